from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from clients.models import Channel, Client
from continuity.celery import app as celery_app
from continuity.celery import ensure_broker_folders
from continuity.models import Therapist
from tests.factories import ClientFactory, ConsentFactory, PracticeFactory, TherapistFactory
from tests.fakes.smtp import SmtpServer

# The loopback fake of Twilio's Messages API, as the `twilio_api` fixture.
pytest_plugins = ["tests.fakes.twilio_api"]


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Each test counts API throttles in its own in-memory cache: never in the shared Redis,
    where clearing would flush the broker's queues and parallel runs would share counts."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4()}",
        }
    }


@pytest.fixture(scope="session", autouse=True)
def isolated_broker(tmp_path_factory):
    """Tests never share a queue with a running `make run` or another test session.

    The filesystem broker moves to a temporary folder; on Redis, tasks go to a queue named
    for this session.
    """
    if celery_app.conf.broker_url.startswith("filesystem"):
        folder = tmp_path_factory.mktemp("broker")
        celery_app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": 0.05,
        }
        ensure_broker_folders()
    celery_app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:12]}"
    return celery_app


@pytest.fixture
def celery_worker(transactional_db, isolated_broker, monkeypatch):
    """A real Celery worker (solo pool, in a thread) consuming from the configured broker."""
    # The worker thread closes its database connection after each task, so none is left
    # open when the test database is dropped.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    with start_worker(
        isolated_broker, pool="solo", perform_ping_check=False, shutdown_timeout=20
    ) as worker:
        yield worker


@dataclass
class Cast:
    therapist: Therapist
    colleague: Therapist  # same practice
    outsider: Therapist  # another practice
    client: Client  # the therapist's
    other_client: Client  # the colleague's
    outsider_client: Client


@pytest.fixture
def cast(db) -> Cast:
    practice = PracticeFactory(name="Riverside", short_name="Riverside")
    therapist = TherapistFactory(practice=practice, display_name="Maya")
    colleague = TherapistFactory(practice=practice, display_name="Sam")
    outsider = TherapistFactory(display_name="Olu")
    return Cast(
        therapist=therapist,
        colleague=colleague,
        outsider=outsider,
        client=ClientFactory(primary_therapist=therapist, preferred_name="Ava"),
        other_client=ClientFactory(primary_therapist=colleague, preferred_name="Ben"),
        outsider_client=ClientFactory(primary_therapist=outsider, preferred_name="Cara"),
    )


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


@pytest.fixture
def portal(client, reachable):
    """A browser signed in as `reachable`, through a real link."""
    from django.urls import reverse

    from clients.links import link_issue

    _, token = link_issue(client=reachable)
    client.post(reverse("portal:open", args=[token]))
    return client
