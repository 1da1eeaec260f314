from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notes.models import Delivery
from notes.services import delivery_send, note_create, sweep

pytestmark = pytest.mark.django_db
State = Delivery.State


@pytest.fixture
def published(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr("notes.services.enqueue", ids.extend)
    return ids


def test_due_scheduled_rows_are_queued_and_published_once(
    cast, reachable, published, django_capture_on_commit_callbacks
):
    soon = timezone.now() + dt.timedelta(minutes=5)
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi", send_at=soon)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["due"] == 0
    later = soon + dt.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now=later)["due"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now=later)["due"] == 0  # a second sweeper finds nothing left to do
    assert sorted(published) == sorted(note.deliveries.values_list("id", flat=True))
    assert set(note.deliveries.values_list("state", flat=True)) == {State.QUEUED}


def test_queued_rows_whose_message_was_lost_are_published_again(
    cast, reachable, published, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_REQUEUE_AFTER_SECONDS = 60
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now=now)["requeued"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now=now + dt.timedelta(seconds=61))["requeued"] == 2
    assert len(published) == 2
    # Re-published rows wait another full period before the next rescue.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now=now + dt.timedelta(seconds=62))["requeued"] == 0
    assert note.deliveries.filter(state=State.QUEUED).count() == 2


def test_abandoned_sending_rows_are_rescued_then_given_up(
    cast, reachable, published, settings, smtp, django_capture_on_commit_callbacks
):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi")
    email = note.deliveries.get(channel="email")
    # A worker claimed it and died before writing the outcome.
    past = timezone.now() - dt.timedelta(minutes=5)
    Delivery.objects.filter(pk=email.pk).update(state=State.SENDING, lease_until=past, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["abandoned"] == 1
    email.refresh_from_db()
    assert email.state == State.QUEUED and email.pk in published
    # It dies again on its last attempt: the sweeper marks it failed, visibly.
    Delivery.objects.filter(pk=email.pk).update(state=State.SENDING, lease_until=past, attempts=2)
    assert sweep()["gave_up"] == 1
    email.refresh_from_db()
    assert email.state == State.FAILED and "worker stopped" in email.reason
    assert delivery_send(delivery_id=email.pk) == ""
    assert smtp.count() == 0


def test_a_live_lease_is_left_alone(cast, reachable, published):
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi")
    future = timezone.now() + dt.timedelta(minutes=1)
    note.deliveries.update(state=State.SENDING, lease_until=future, attempts=1)
    assert sweep()["abandoned"] == 0
    assert set(note.deliveries.values_list("state", flat=True)) == {State.SENDING}
