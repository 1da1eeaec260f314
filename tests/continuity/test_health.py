from __future__ import annotations

import pytest
from django.urls import reverse

from continuity import health
from continuity.celery import app as celery_app
from continuity.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "scheduler_last_seen": None,
    }


def test_healthz_reports_the_last_scheduler_heartbeat(client):
    heartbeat()
    assert client.get(reverse("healthz")).json()["scheduler_last_seen"] is not None


def test_unreachable_broker_is_503_without_details(client, monkeypatch):
    # A closed port on loopback: a real connection attempt that fails.
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {"socket_connect_timeout": 1})
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
    assert response.json()["database"] == "ok"
    assert "127.0.0.1" not in response.content.decode()


def test_unreachable_database_is_503(client, monkeypatch):
    # The one stand-in: a database that refuses. Everything above it runs for real.
    def refuse():
        raise OSError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.json()["scheduler_last_seen"] is None


def test_healthz_is_get_only(client):
    assert client.post(reverse("healthz")).status_code == 405
