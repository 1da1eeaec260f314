from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients import services as client_services
from clients.models import Channel, Client
from notes.models import Delivery, Note
from notes.services import note_cancel, note_create
from tests.factories import MomentFactory

pytestmark = pytest.mark.django_db
State = Delivery.State


def test_note_now_goes_to_preferred_channel_and_private_page(cast, reachable):
    note = note_create(therapist=cast.therapist, client=reachable, body="  Thinking of you.  ")
    assert note.body == "Thinking of you."
    rows = {d.channel: d for d in note.deliveries.all()}
    assert set(rows) == {"email", "in_app"}
    assert all(d.state == State.QUEUED and d.due_at <= timezone.now() for d in rows.values())


def test_due_deliveries_are_published_after_commit_only(
    cast, reachable, monkeypatch, django_capture_on_commit_callbacks
):
    published: list[int] = []
    monkeypatch.setattr("notes.services.enqueue", published.extend)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = note_create(therapist=cast.therapist, client=reachable, body="Hello")
        assert published == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert sorted(published) == sorted(note.deliveries.values_list("id", flat=True))


def test_future_deliveries_are_not_published(
    cast, reachable, monkeypatch, django_capture_on_commit_callbacks
):
    published: list[int] = []
    monkeypatch.setattr("notes.services.enqueue", published.extend)
    with django_capture_on_commit_callbacks(execute=True):
        note_create(
            therapist=cast.therapist,
            client=reachable,
            body="Hello",
            send_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert published == []


def test_private_page_is_added_only_when_consented(cast):
    client = cast.client  # preferred email, no consents yet
    client_services.consent_grant(client=client, channel=Channel.EMAIL, text_version="v1")
    note = note_create(therapist=cast.therapist, client=client, body="Hello")
    assert [d.channel for d in note.deliveries.all()] == ["email"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"body": ""}, "body", "Write a few words"),
        ({"body": "   \n "}, "body", "Write a few words"),
        ({"body": "x" * 601}, "body", "under 600"),
        ({"send_at": "past"}, "send_at", "already passed"),
        ({"send_at": "far"}, "send_at", "at most 730 days"),
        ({"send_at": "naive"}, "send_at", "time zone"),
        ({"channels_": ["sms"]}, "channels", "SMS"),
        ({"channels_": ["pigeon"]}, "channels", "Unknown channel"),
        ({"channels_": []}, "channels", "not agreed"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(cast, reachable, change, field, words):
    now = timezone.now()
    send_at = {
        "past": now - dt.timedelta(hours=1),
        "far": now + dt.timedelta(days=800),
        "naive": dt.datetime(2030, 1, 1, 9),
    }
    kwargs = {"therapist": cast.therapist, "client": reachable, "body": "Hello"}
    kwargs.update(change)
    if "send_at" in change:
        kwargs["send_at"] = send_at[change["send_at"]]
    with pytest.raises(ValidationError) as caught:
        note_create(**kwargs)
    assert words in " ".join(caught.value.message_dict[field])
    assert not Note.objects.exists() and not Delivery.objects.exists()


def test_channel_without_consent_is_refused(cast, reachable):
    with pytest.raises(ValidationError) as caught:
        client_services.consent_withdraw(client=reachable, channel=Channel.EMAIL)
        note_create(therapist=cast.therapist, client=reachable, body="Hi", channels_=["email"])
    assert "not consented" in caught.value.message_dict["channels"][0]


@pytest.mark.parametrize("status", [Client.Status.DISCHARGED, Client.Status.PAUSED])
def test_discharged_or_paused_client_is_refused(cast, reachable, status):
    reachable.status = status
    reachable.save()
    with pytest.raises(ValidationError) as caught:
        note_create(therapist=cast.therapist, client=reachable, body="Hi")
    assert "client" in caught.value.message_dict
    assert not Note.objects.exists()


def test_another_therapists_client_does_not_exist_for_you(cast, reachable):
    with pytest.raises(Client.DoesNotExist):
        note_create(therapist=cast.colleague, client=reachable, body="Hi")


def test_scheduled_note_waits_and_quiet_hours_move_only_intrusive_channels(cast, reachable):
    reachable.quiet_hours_start, reachable.quiet_hours_end = dt.time(21), dt.time(8)
    reachable.save()
    # 23:30 in New York, in quiet hours.
    day = timezone.localdate() + dt.timedelta(days=3)
    send_at = dt.datetime.combine(day, dt.time(23, 30), tzinfo=reachable.time_zone)
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi", send_at=send_at)
    rows = {d.channel: d for d in note.deliveries.all()}
    assert all(d.state == State.SCHEDULED for d in rows.values())
    assert rows["in_app"].due_at == send_at
    email_local = rows["email"].due_at.astimezone(reachable.time_zone)
    assert (email_local.date(), email_local.time()) == (day + dt.timedelta(days=1), dt.time(8))


def test_note_on_a_moment_arrives_that_morning_in_the_clients_zone(cast, reachable, settings):
    settings.NOTE_MOMENT_LOCAL_HOUR = 9
    moment = MomentFactory(client=reachable, date=timezone.localdate() + dt.timedelta(days=4))
    note = note_create(therapist=cast.therapist, client=reachable, body="Good luck", moment=moment)
    local = note.deliveries.get(channel="email").due_at.astimezone(reachable.time_zone)
    assert (local.date(), local.hour, local.minute) == (moment.date, 9, 0)


def test_moment_of_another_client_is_refused(cast, reachable):
    moment = MomentFactory(client=cast.other_client)
    with pytest.raises(ValidationError) as caught:
        note_create(therapist=cast.therapist, client=reachable, body="Hi", moment=moment)
    assert "moment" in caught.value.message_dict


def test_cancel_stops_what_has_not_started_and_only_for_the_owner(cast, reachable):
    later = timezone.now() + dt.timedelta(days=1)
    note = note_create(therapist=cast.therapist, client=reachable, body="Hi", send_at=later)
    note.deliveries.filter(channel="in_app").update(state=State.SENDING)
    with pytest.raises(Note.DoesNotExist):
        note_cancel(therapist=cast.colleague, note_id=note.pk)
    assert note_cancel(therapist=cast.therapist, note_id=note.pk) == 1
    states = dict(note.deliveries.values_list("channel", "state"))
    assert states == {"email": State.CANCELLED, "in_app": State.SENDING}
    note.refresh_from_db()
    assert note.cancelled_at is not None
