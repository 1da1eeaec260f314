from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient


@pytest.fixture
def api(cast) -> APIClient:
    """An API client authenticated as the cast's therapist with a real token."""
    _, token = AuthToken.objects.create(user=cast.therapist)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()
