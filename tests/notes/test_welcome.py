from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients import services as client_services
from clients.models import Channel
from notes.models import Delivery, Note
from notes.services import delivery_send, note_cancel, note_edit

pytestmark = pytest.mark.django_db
State = Delivery.State


def test_first_consent_schedules_a_welcome_that_sets_expectations(cast, settings):
    settings.WELCOME_NOTE_DELAY_MINUTES = 60
    client = cast.client
    client_services.consent_grant(client=client, channel=Channel.EMAIL, text_version="v1")
    note = Note.objects.get(client=client)
    body = note.body
    assert client.preferred_name in body and cast.therapist.display_name in body
    assert "never need to reply" in body
    assert cast.therapist.availability_statement in body
    assert "988" in body
    delivery = note.deliveries.get()
    assert delivery.channel == "email" and delivery.state == State.SCHEDULED
    assert delivery.due_at >= timezone.now() + dt.timedelta(minutes=59)


def test_only_the_first_consent_given_now_welcomes(cast):
    client = cast.client
    client_services.consent_grant(
        client=client, channel=Channel.EMAIL, text_version="v1", at=timezone.now()
    )  # recorded from elsewhere: no welcome
    client_services.consent_grant(client=client, channel=Channel.IN_APP, text_version="v1")
    assert not Note.objects.filter(client=client).exists()


def test_the_therapist_can_edit_or_cancel_the_welcome_before_it_goes(cast, smtp):
    client = cast.client
    client_services.consent_grant(client=client, channel=Channel.EMAIL, text_version="v1")
    note = Note.objects.get(client=client)
    note_edit(therapist=cast.therapist, note_id=note.pk, body="Hello Ava, it's Maya.")
    with pytest.raises(Note.DoesNotExist):
        note_edit(therapist=cast.colleague, note_id=note.pk, body="x")
    delivery = note.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
    from notes.services import sweep

    sweep()
    with pytest.raises(ValidationError):  # queued now: no more editing
        note_edit(therapist=cast.therapist, note_id=note.pk, body="Too late")
    assert delivery_send(delivery_id=delivery.pk) == State.SENT
    assert smtp.count() == 1
    assert note_cancel(therapist=cast.therapist, note_id=note.pk) == 0


def test_a_practice_text_too_long_is_skipped_not_an_error(cast):
    practice = cast.therapist.practice
    practice.welcome_note = "x" * 700
    practice.save()
    client_services.consent_grant(client=cast.client, channel=Channel.EMAIL, text_version="v1")
    assert not Note.objects.exists()
