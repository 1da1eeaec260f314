from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Consent
from notes.models import Delivery
from notes.services import delivery_send, note_create

pytestmark = pytest.mark.django_db
State = Delivery.State


def post(portal, **data):
    return portal.post(reverse("portal:preferences"), data)


def test_pause_is_honoured_when_sending(portal, cast, reachable):
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi")
    assert post(portal, action="pause", weeks="2").status_code == 302
    reachable.refresh_from_db()
    assert reachable.paused_until > timezone.now() + dt.timedelta(days=13)
    for delivery in note.deliveries.all():
        assert delivery_send(delivery_id=delivery.pk) == State.SKIPPED
    # And a new note during the pause is refused with the date, nothing saved.
    with pytest.raises(ValidationError) as caught:
        note_create(therapist=cast.therapist, client=reachable, body="Hi again")
    assert "paused notes until" in caught.value.message_dict["send_at"][0]
    later = reachable.paused_until + dt.timedelta(days=1)
    note_create(therapist=cast.therapist, client=reachable, body="After", send_at=later)


def test_resume_turns_notes_back_on(portal, cast, reachable):
    post(portal, action="pause", weeks="1")
    post(portal, action="resume")
    reachable.refresh_from_db()
    assert reachable.paused_until is None
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi")
    assert delivery_send(delivery_id=note.deliveries.get(channel="in_app").pk) == State.SENT


def test_stop_all_withdraws_every_consent_and_skips_what_was_scheduled(portal, cast, reachable):
    later = timezone.now() + dt.timedelta(hours=1)
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi", send_at=later)
    post(portal, action="stop")
    assert not Consent.objects.filter(client=reachable, withdrawn_at__isnull=True).exists()
    assert Consent.objects.filter(client=reachable).count() == 2  # history kept
    Delivery.objects.filter(note=note).update(due_at=timezone.now())
    for delivery in note.deliveries.all():
        assert delivery_send(delivery_id=delivery.pk) == State.SKIPPED


def test_channel_and_quiet_hours_can_be_changed(portal, reachable):
    response = post(
        portal,
        action="save",
        preferred_channel="in_app",
        quiet_hours_start="22:00",
        quiet_hours_end="07:30",
    )
    assert response.status_code == 302
    reachable.refresh_from_db()
    assert reachable.preferred_channel == "in_app"
    assert (reachable.quiet_hours_start, reachable.quiet_hours_end) == (dt.time(22), dt.time(7, 30))


@pytest.mark.parametrize(
    "data",
    [
        {"action": "save", "preferred_channel": "sms", "quiet_hours_start": ""},
        {"action": "save", "preferred_channel": "email", "quiet_hours_start": "22:00"},
        {"action": "save", "preferred_channel": "email", "quiet_hours_start": "25:00",
         "quiet_hours_end": "07:00"},
        {"action": "pause", "weeks": "3"},
        {"action": "pause", "weeks": "x"},
        {"action": "dance"},
    ],
)  # fmt: skip
def test_bad_preferences_are_refused_and_nothing_changes(portal, reachable, data):
    before = Client.objects.values().get(pk=reachable.pk)
    response = post(portal, **data)
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert Client.objects.values().get(pk=reachable.pk) == before


def test_preferences_need_the_client_session(client):
    assert client.get(reverse("portal:preferences")).status_code == 403
