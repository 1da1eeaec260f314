"""End to end through a real Celery worker on the configured broker (the filesystem transport
by default, the machine's Redis in CI's second run) and a real SMTP server."""

from __future__ import annotations

from clients.models import Channel
from notes.channels.email import message_id
from notes.models import Delivery
from notes.services import note_create, sweep
from tests.factories import ConsentFactory
from tests.helpers import wait_for

State = Delivery.State


def states(note) -> set[str]:
    return set(note.deliveries.values_list("state", flat=True))


def test_a_note_reaches_email_and_the_private_page(celery_worker, cast, reachable, smtp):
    note = note_create(therapist=cast.therapist, client=reachable, body="Thinking of you")
    assert wait_for(lambda: states(note) == {State.SENT})
    email = note.deliveries.get(channel="email")
    assert smtp.by_message_id == {message_id(email): 1}


def test_retries_go_through_the_broker_with_backoff(celery_worker, cast, reachable, smtp, settings):
    settings.DELIVERY_RETRY_BASE_SECONDS = 0.2
    smtp.fail_next("451 4.3.0 Try again later", times=2)
    note = note_create(
        therapist=cast.therapist, client=reachable, body="Hello", channels_=["email"]
    )
    email = note.deliveries.get()
    assert wait_for(lambda: states(note) == {State.SENT})
    email.refresh_from_db()
    assert email.attempts == 3
    assert smtp.by_message_id == {message_id(email): 1}


def test_many_notes_each_sent_exactly_once(celery_worker, cast, make_reachable, smtp):
    notes = [
        note_create(therapist=cast.therapist, client=make_reachable(), body=f"Note {n}")
        for n in range(20)
    ]
    # A second sweeper run while work is in flight must not double anything.
    sweep()
    assert wait_for(lambda: not Delivery.objects.exclude(state=State.SENT).exists())
    assert smtp.count() == 20
    assert set(smtp.by_message_id.values()) == {1}
    assert Delivery.objects.filter(note__in=notes, state=State.SENT).count() == 40


def texting(client):
    client.phone = "+12025550143"
    client.discreet = False
    client.save()
    ConsentFactory(client=client, channel=Channel.SMS)
    return client


def test_sms_provider_500_twice_then_accepted(celery_worker, cast, reachable, twilio_api, settings):
    settings.DELIVERY_RETRY_BASE_SECONDS = 0.2
    twilio_api.fail_next(status=500, times=2)
    note = note_create(
        therapist=cast.therapist, client=texting(reachable), body="Hi", channels_=["sms"]
    )
    assert wait_for(lambda: states(note) == {State.SENT})
    sms = note.deliveries.get()
    assert sms.attempts == 3
    assert twilio_api.count() == 1 and len(twilio_api.requests) == 3
    assert sms.provider_message_id == twilio_api.messages[0].sid


def test_sms_provider_400_fails_at_once_with_the_reason(celery_worker, cast, reachable, twilio_api):
    twilio_api.fail_next(status=400, code=21211)
    note = note_create(
        therapist=cast.therapist, client=texting(reachable), body="Hi", channels_=["sms"]
    )
    assert wait_for(lambda: states(note) == {State.FAILED})
    sms = note.deliveries.get()
    assert sms.attempts == 1 and "21211" in sms.reason
    assert len(twilio_api.requests) == 1
