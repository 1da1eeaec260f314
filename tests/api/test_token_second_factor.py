"""The API token endpoint: the second factor when owed, and the shared account+IP lockout."""

from __future__ import annotations

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.continuity.test_sign_in_security import code_for, enrol, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "fields"}


def obtain(anonymous, email, password=PASSWORD, **extra):
    return anonymous.post(reverse("api-token"), {"email": email, "password": password, **extra})


def test_a_token_needs_the_code_when_the_therapist_has_a_device(anonymous, cast):
    enrol(cast.therapist)
    response = obtain(anonymous, cast.therapist.email)
    assert response.status_code == 401 and set(response.data) == ERROR_KEYS
    assert response.data["code"] == "otp_required" and "otp" in response.data["message"]
    response = obtain(anonymous, cast.therapist.email, otp="000000")
    assert response.status_code == 401 and response.data["code"] == "otp_invalid"
    assert not AuthToken.objects.exists()


def test_a_valid_code_gets_a_token(anonymous, cast):
    device, _ = enrol(cast.therapist)
    response = obtain(anonymous, cast.therapist.email, otp=code_for(device))
    assert response.status_code == 200, response.data
    assert AuthToken.objects.filter(user=cast.therapist).count() == 1


def test_a_recovery_code_gets_one_token_only(anonymous, cast):
    _, recovery = enrol(cast.therapist)
    assert obtain(anonymous, cast.therapist.email, otp=recovery).status_code == 200
    again = obtain(anonymous, cast.therapist.email, otp=recovery)
    assert again.status_code == 401 and again.data["code"] == "otp_invalid"


def test_a_practice_that_requires_it_gives_no_token_before_enrolment(anonymous, cast):
    cast.therapist.practice.require_second_factor = True
    cast.therapist.practice.save()
    response = obtain(anonymous, cast.therapist.email, otp="123456")
    assert response.status_code == 401 and response.data["code"] == "otp_required"
    assert not AuthToken.objects.exists()


def test_a_wrong_password_with_a_device_says_nothing_about_the_code(anonymous, cast):
    enrol(cast.therapist)
    wrong = obtain(anonymous, cast.therapist.email, "wrong")
    unknown = obtain(anonymous, "nobody@example.com", "wrong")
    assert wrong.data == unknown.data and wrong.data["code"] == "authentication_failed"


def test_api_failures_count_towards_the_lockout_shared_with_the_web(anonymous, cast):
    for _ in range(5):
        assert obtain(anonymous, cast.therapist.email, "wrong").status_code == 401
    locked = obtain(anonymous, cast.therapist.email)
    assert locked.status_code == 401 and locked.data["code"] == "locked_out"
    assert not AuthToken.objects.exists()
    # The same email from the same IP is locked on the web too.
    assert sign_in(BrowserClient(), cast.therapist.email).status_code == 429
    # An unknown address locks the same way, with the same words (from another IP, so the
    # per-IP throttle does not answer first).
    elsewhere = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        obtain(elsewhere, "nobody@example.com", "wrong")
    assert obtain(elsewhere, "nobody@example.com").data == locked.data
