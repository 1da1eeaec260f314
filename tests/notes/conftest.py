from __future__ import annotations

import pytest

from clients.models import Channel
from tests.factories import ClientFactory, ConsentFactory
from tests.fakes.smtp import SmtpServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback; Django's SMTP backend points at it."""
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        yield server.handler


@pytest.fixture
def reachable(cast):
    """The therapist's client, consenting to email and the private page, no quiet hours."""
    client = cast.client
    client.time_zone = "America/New_York"
    client.save()
    for channel in (Channel.EMAIL, Channel.IN_APP):
        ConsentFactory(client=client, channel=channel)
    return client


@pytest.fixture
def make_reachable(cast):
    def make(**fields):
        client = ClientFactory(primary_therapist=cast.therapist, **fields)
        for channel in (Channel.EMAIL, Channel.IN_APP):
            ConsentFactory(client=client, channel=channel)
        return client

    return make
