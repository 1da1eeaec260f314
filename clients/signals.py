"""What a client tells the therapist from their private page: reactions, check-ins, and
"I'm having a hard time". Writes only; every urgent signal alerts the therapist through a task.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients import questionnaires
from clients.models import CheckIn, Client, QuestionnaireResponse, Signal

logger = logging.getLogger(__name__)
CHECK_IN_TEXT_MAX = 500


def _alert_on_commit(signal: Signal) -> None:
    from clients.tasks import alert_therapist

    transaction.on_commit(lambda: _publish(alert_therapist, signal.pk), robust=True)


def _publish(task, signal_id: int) -> None:
    try:
        task.delay(signal_id)
    except Exception:
        # The signal row is saved and shows on the dashboard; the sweep of unalerted urgent
        # signals (clients.tasks.alert_sweep) sends the alert once the broker is back.
        logger.warning("alert for signal %s not queued", signal_id)


@transaction.atomic
def hard_time(*, client: Client) -> Signal:
    """Records that the client asked for support and alerts the therapist.

    Pressing again within HARD_TIME_REPEAT_MINUTES returns the same signal: one alert, not a
    stream of them.
    """
    since = timezone.now() - dt.timedelta(minutes=settings.HARD_TIME_REPEAT_MINUTES)
    recent = (
        Signal.objects.select_for_update()
        .filter(
            client=client,
            kind=Signal.Kind.HARD_TIME,
            acknowledged_at__isnull=True,
            created_at__gte=since,
        )
        .first()
    )
    if recent is not None:
        return recent
    signal = Signal.objects.create(
        client=client, kind=Signal.Kind.HARD_TIME, severity=Signal.Severity.URGENT
    )
    _alert_on_commit(signal)
    return signal


@cache
def _risk_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    words = [r"\s+".join(map(re.escape, p.lower().split())) for p in phrases if p.strip()]
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)")


def has_risk_language(text: str) -> bool:
    if not text or not settings.RISK_PHRASES:
        return False
    normalised = text.lower().replace("’", "'")
    return bool(_risk_pattern(tuple(settings.RISK_PHRASES)).search(normalised))


@transaction.atomic
def check_in_record(*, client: Client, mood, text: str = "") -> tuple[CheckIn, bool]:
    """Saves a check-in; returns it and whether it was urgent (risk language).

    Raises ValidationError for a mood outside 0–10, text over 500 characters, or more than
    CHECK_INS_PER_DAY check-ins in 24 hours. Nothing is saved then.
    """
    errors: dict[str, str] = {}
    try:
        mood = int(mood)
    except (TypeError, ValueError):
        mood = -1
    if not 0 <= mood <= 10:
        errors["mood"] = "Choose a number from 0 to 10."
    text = (text or "").strip()
    if len(text) > CHECK_IN_TEXT_MAX:
        errors["text"] = f"Keep it under {CHECK_IN_TEXT_MAX} characters (now {len(text)})."
    # Lock the client row so two quick submissions cannot both pass the daily limit.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    since = timezone.now() - dt.timedelta(days=1)
    if CheckIn.objects.filter(client=client, created_at__gte=since).count() >= (
        settings.CHECK_INS_PER_DAY
    ):
        errors["__all__"] = (
            "Thank you — you have checked in a few times today already. "
            "You can check in again tomorrow."
        )
    if errors:
        raise ValidationError(errors)
    check_in = CheckIn.objects.create(client=client, mood=mood, text=text)
    urgent = has_risk_language(text)
    signal = Signal.objects.create(
        client=client,
        kind=Signal.Kind.RISK_LANGUAGE if urgent else Signal.Kind.CHECK_IN,
        severity=Signal.Severity.URGENT if urgent else Signal.Severity.INFO,
        check_in=check_in,
    )
    if urgent:
        _alert_on_commit(signal)
    return check_in, urgent


def react(*, client: Client, note, reaction: str) -> Signal:
    """Records a one-tap reaction to one of the client's own notes; a repeat is a no-op.

    Raises ValidationError for an unknown reaction.
    """
    if reaction not in Signal.Reaction.values:
        raise ValidationError({"reaction": "Unknown reaction."})
    if note.client_id != client.pk:
        raise note.DoesNotExist
    existing = Signal.objects.filter(note=note, kind=Signal.Kind.REACTION, reaction=reaction)
    try:
        with transaction.atomic():
            signal, _ = Signal.objects.get_or_create(
                note=note,
                kind=Signal.Kind.REACTION,
                reaction=reaction,
                defaults={"client": client, "severity": Signal.Severity.INFO},
            )
    except IntegrityError:  # a double tap raced us to it
        signal = existing.get()
    return signal


REPEAT_WINDOW = dt.timedelta(minutes=5)


@transaction.atomic
def questionnaire_submit(
    *, client: Client, code: str, answers, difficulty=None
) -> tuple[QuestionnaireResponse, questionnaires.Result]:
    """Scores and saves a PHQ-9 / GAD-7, raising the signals it calls for.

    PHQ-9 item 9 above zero is urgent (the therapist is alerted); a reliable rise from the
    client's previous score is a deterioration signal. The same answers sent again within a few
    minutes (a double submit) return the first response. Raises ValidationError for an unknown
    questionnaire or out-of-range answers; nothing is saved then.
    """
    instrument = questionnaires.INSTRUMENTS.get(code)
    if instrument is None:
        raise ValidationError({"instrument": "Unknown questionnaire."})
    result = questionnaires.score(instrument, answers, difficulty)
    Client.objects.select_for_update().filter(pk=client.pk).first()
    previous = (
        QuestionnaireResponse.objects.filter(client=client, instrument=code)
        .order_by("-created_at")
        .first()
    )
    if (
        previous is not None
        and previous.created_at > timezone.now() - REPEAT_WINDOW
        and json.loads(previous.answers) == list(result.answers)
    ):
        return previous, result
    response = QuestionnaireResponse.objects.create(
        client=client,
        instrument=code,
        answers=json.dumps(list(result.answers)),
        difficulty=result.difficulty,
        total=result.total,
        severity=result.severity,
    )
    trend = questionnaires.change(instrument, previous.total if previous else None, result.total)
    Signal.objects.create(
        client=client,
        kind=Signal.Kind.QUESTIONNAIRE,
        severity=Signal.Severity.INFO,
        questionnaire=response,
    )
    if trend == "deterioration":
        Signal.objects.create(
            client=client,
            kind=Signal.Kind.DETERIORATION,
            severity=Signal.Severity.ATTENTION,
            questionnaire=response,
        )
    if result.urgent:
        urgent = Signal.objects.create(
            client=client,
            kind=Signal.Kind.QUESTIONNAIRE_ITEM_9,
            severity=Signal.Severity.URGENT,
            questionnaire=response,
        )
        _alert_on_commit(urgent)
    return response, result


@transaction.atomic
def signal_acknowledge(*, therapist, client_id: int, signal_ids: list[int] | None = None) -> int:
    """Marks the client's open signals as seen by the therapist (all of them when
    ``signal_ids`` is None); returns how many. Raises Client.DoesNotExist for a client who is
    not the therapist's own. Acknowledging twice keeps the first who and when."""
    client = Client.objects.get(pk=client_id, primary_therapist=therapist)
    open_signals = Signal.objects.filter(client=client, acknowledged_at__isnull=True)
    if signal_ids is not None:
        open_signals = open_signals.filter(pk__in=signal_ids)
    count = open_signals.update(acknowledged_at=timezone.now(), acknowledged_by=therapist)
    logger.info(
        "client %s: %d signals acknowledged by therapist %s", client.pk, count, therapist.pk
    )
    return count
