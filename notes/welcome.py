"""The first message sets expectations (as caring-contact programmes do): who writes, what to
expect, that no reply is needed, when replies are read, and the crisis line."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from notes.models import Note
from notes.services import note_create

logger = logging.getLogger(__name__)


def welcome_text(client) -> str:
    therapist, practice = client.primary_therapist, client.practice
    text = practice.welcome_note
    for key, value in {
        "{first_name}": client.preferred_name,
        "{therapist_name}": therapist.display_name,
        "{availability}": therapist.availability_statement,
        "{crisis_resources}": practice.crisis_resources,
    }.items():
        text = text.replace(key, value)
    return text


def welcome_note_schedule(*, client, channel: str) -> Note | None:
    """Schedules the welcome note through the normal pipeline, WELCOME_NOTE_DELAY_MINUTES
    ahead so the therapist can edit or cancel it. Returns None (and logs) when the client
    cannot be written to now, e.g. paused, or the practice's text is too long."""
    send_at = timezone.now() + dt.timedelta(minutes=settings.WELCOME_NOTE_DELAY_MINUTES)
    try:
        return note_create(
            therapist=client.primary_therapist,
            client=client,
            body=welcome_text(client),
            send_at=send_at,
            channels_=[channel],
        )
    except ValidationError as exc:
        logger.warning(
            "welcome note for client %s not scheduled: %s", client.pk, sorted(exc.message_dict)
        )
        return None
