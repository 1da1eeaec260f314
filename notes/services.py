"""Writes for notes and deliveries. The database is the truth; the broker only carries ids."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from clients.models import Channel, Client, Consent, Moment
from clients.selectors import active_consent_channels
from notes import channels
from notes.models import NOTE_MAX_LENGTH, Delivery, Note, NoteTemplate
from notes.scheduling import local_day_at, next_allowed

logger = logging.getLogger(__name__)
State = Delivery.State
PAST_TOLERANCE = dt.timedelta(minutes=5)


# --- Creating and cancelling -------------------------------------------------------------


def default_channels(client: Client) -> list[str]:
    """The client's preferred channel, plus the private page when they agreed to it."""
    chosen = [client.preferred_channel]
    if client.preferred_channel != Channel.IN_APP:
        chosen.append(Channel.IN_APP)
    return chosen


@transaction.atomic
def note_create(
    *,
    therapist,
    client: Client,
    body: str,
    send_at: dt.datetime | None = None,
    moment: Moment | None = None,
    channels_: Iterable[str] | None = None,
) -> Note:
    """Accepts a note and its deliveries, or raises ValidationError and saves nothing.

    With no ``channels_``, the preferred channel and the private page are used, where the
    client consented; explicitly named channels must each have consent. Due deliveries are
    handed to workers after commit; the rest wait for the sweeper.
    """
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    body = (body or "").strip()
    if not body:
        errors.setdefault("body", []).append("Write a few words first.")
    elif len(body) > NOTE_MAX_LENGTH:
        errors.setdefault("body", []).append(
            f"Keep it under {NOTE_MAX_LENGTH} characters (now {len(body)})."
        )
    if client.primary_therapist_id != therapist.pk:
        raise Client.DoesNotExist  # never reveal another therapist's client
    if client.status == Client.Status.DISCHARGED:
        errors.setdefault("client", []).append("This client has been discharged.")
    elif client.status == Client.Status.PAUSED:
        errors.setdefault("client", []).append("This client has paused contact.")
    send_at = _timing(client, send_at, moment, now, errors)
    wanted, problems = note_channels(client=client, channels_=channels_)
    errors.update(problems)
    if errors:
        raise ValidationError(errors)

    note = Note.objects.create(
        therapist=therapist, client=client, body=body, send_at=send_at, moment=moment
    )
    start = send_at or now
    deliveries = []
    for name in wanted:
        channel = channels.get(name)
        due_at = next_allowed(client, start) if channel.intrusive else start
        due = due_at <= now
        deliveries.append(
            Delivery(
                note=note,
                channel=name,
                due_at=due_at,
                state=State.QUEUED if due else State.SCHEDULED,
                queued_at=now if due else None,
            )
        )
    Delivery.objects.bulk_create(deliveries)  # sets ids on PostgreSQL and SQLite alike
    enqueue_on_commit([d.pk for d in deliveries if d.state == State.QUEUED])
    logger.info("note %s accepted for client %s: %d deliveries", note.pk, client.pk, len(wanted))
    return note


def _timing(
    client: Client,
    send_at: dt.datetime | None,
    moment: Moment | None,
    now: dt.datetime,
    errors: dict[str, list[str]],
) -> dt.datetime | None:
    """When a note should go: ``send_at``, else the moment's day, else now (None). Adds what
    is wrong with it to ``errors``."""
    if moment is not None:
        if moment.client_id != client.pk:
            errors.setdefault("moment", []).append("That moment belongs to another client.")
        elif send_at is None:
            send_at = max(now, local_day_at(client, moment.date, settings.NOTE_MOMENT_LOCAL_HOUR))
    if send_at is not None:
        if timezone.is_naive(send_at):
            errors.setdefault("send_at", []).append("Give the time with its time zone.")
        elif send_at < now - PAST_TOLERANCE:
            errors.setdefault("send_at", []).append("That time has already passed.")
        elif send_at > now + dt.timedelta(days=settings.NOTE_MAX_SCHEDULE_DAYS):
            errors.setdefault("send_at", []).append(
                f"Schedule at most {settings.NOTE_MAX_SCHEDULE_DAYS} days ahead."
            )
    paused_until = client.paused_until
    if "send_at" not in errors and paused_until is not None and (send_at or now) < paused_until:
        errors["send_at"] = [f"The client paused notes until {paused_until:%d %b %Y}."]
    return send_at


def note_channels(
    *, client: Client, channels_: Iterable[str] | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """The channels a note to this client would use, and what stands in the way of each.

    With no ``channels_``: the preferred channel, plus the private page when consented.
    """
    wanted = list(dict.fromkeys(channels_ if channels_ is not None else default_channels(client)))
    consented = active_consent_channels(client=client)
    if channels_ is None:
        # The private page is a quiet extra: add it only when consented, never fail for it.
        wanted = [c for c in wanted if c != Channel.IN_APP or c in consented]
    return wanted, _channel_errors(client, wanted, consented)


def _channel_errors(client: Client, wanted: list[str], consented: set[str]) -> dict:
    if not wanted:
        return {"channels": ["This client has not agreed to contact on any channel."]}
    problems = []
    for name in wanted:
        if name not in channels.REGISTRY:
            problems.append(f"Unknown channel {name!r}.")
            continue
        label = Channel(name).label
        channel = channels.get(name)
        reason = channel.unavailable_reason() or channel.contact_missing(client)
        if reason:
            problems.append(f"{label}: {reason}")
        elif name not in consented:
            problems.append(f"{label}: the client has not consented to this channel.")
    return {"channels": problems} if problems else {}


QUESTIONNAIRE_INVITATION = (
    "If and when you feel like it, there is a short questionnaire ({title}) on your page. "
    "It helps me see how things have been for you over the last two weeks."
)


@transaction.atomic
def questionnaire_invite(*, therapist, client: Client, code: str) -> Note:
    """Sends the client a note inviting them to fill in PHQ-9 or GAD-7 on their page.
    Raises ValidationError for an unknown questionnaire or whatever note_create refuses."""
    from clients.questionnaires import INSTRUMENTS

    instrument = INSTRUMENTS.get(code)
    if instrument is None:
        raise ValidationError({"questionnaire": "Unknown questionnaire."})
    note = note_create(
        therapist=therapist,
        client=client,
        body=QUESTIONNAIRE_INVITATION.format(title=instrument.title),
    )
    note.questionnaire = code
    note.save(update_fields=["questionnaire"])
    return note


KEEP = object()  # note_edit: leave the time as it is


@transaction.atomic
def note_edit(
    *, therapist, note_id: int, body: str, send_at=KEEP, moment: Moment | None = None
) -> Note:
    """Rewrites and, when ``send_at`` is given (None = now), reschedules a note that has not
    started sending. Raises Note.DoesNotExist for a note that is not the therapist's own,
    ValidationError for a bad body or time, or a note already on its way; nothing changes then.
    """
    note = (
        Note.objects.select_for_update()
        .select_related("client")
        .get(pk=note_id, therapist=therapist)
    )
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    body = (body or "").strip()
    if not body or len(body) > NOTE_MAX_LENGTH:
        errors["body"] = [f"Write between 1 and {NOTE_MAX_LENGTH} characters."]
    if note.cancelled_at or note.deliveries.exclude(state=State.SCHEDULED).exists():
        raise ValidationError("This note has already started on its way.")
    if send_at is not KEEP:
        send_at = _timing(note.client, send_at, moment, now, errors)
    if errors:
        raise ValidationError(errors)
    note.body = body
    fields = ["body"]
    if send_at is not KEEP:
        note.send_at, note.moment = send_at, moment
        fields += ["send_at", "moment"]
        _reschedule(note, send_at or now, now)
    note.save(update_fields=fields)
    return note


def _reschedule(note: Note, start: dt.datetime, now: dt.datetime) -> None:
    due_now = []
    for delivery in note.deliveries.all():
        channel = channels.get(delivery.channel)
        delivery.due_at = next_allowed(note.client, start) if channel.intrusive else start
        if delivery.due_at <= now:
            delivery.state, delivery.queued_at = State.QUEUED, now
            due_now.append(delivery.pk)
        delivery.save(update_fields=["due_at", "state", "queued_at"])
    enqueue_on_commit(due_now)


@transaction.atomic
def note_cancel(*, therapist, note_id: int) -> int:
    """Cancels what has not started sending; returns how many deliveries were cancelled.

    Raises Note.DoesNotExist for a note that is not the therapist's own.
    """
    note = Note.objects.select_for_update().get(pk=note_id, therapist=therapist)
    now = timezone.now()
    cancelled = Delivery.objects.filter(note=note, state__in=Delivery.PENDING).update(
        state=State.CANCELLED, cancelled_at=now
    )
    if note.cancelled_at is None:
        note.cancelled_at = now
        note.save(update_fields=["cancelled_at"])
    return cancelled


# --- Handing work to workers -------------------------------------------------------------


def enqueue(delivery_ids: Iterable[int]) -> None:
    """Publishes one deliver task per id. A broker outage is logged, not raised: the rows
    stay 'queued' and the sweeper publishes them again once the broker is back."""
    from notes.tasks import deliver

    ids = list(delivery_ids)
    if not ids:
        return
    try:
        with deliver.app.producer_or_acquire() as producer:
            for delivery_id in ids:
                deliver.apply_async((delivery_id,), producer=producer)
    except Exception as exc:
        logger.warning(
            "broker unavailable, %d deliveries left for the sweeper (%s)",
            len(ids),
            type(exc).__name__,
        )


def enqueue_on_commit(delivery_ids: list[int]) -> None:
    if delivery_ids:
        transaction.on_commit(lambda: enqueue(delivery_ids), robust=True)


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Moves due rows to workers and rescues stuck ones. Idempotent: running it twice at once
    may publish an id twice, but a delivery is claimed by exactly one worker."""
    now = now or timezone.now()
    batch = settings.SWEEP_BATCH
    counts = {"due": 0, "requeued": 0, "abandoned": 0, "gave_up": 0}

    with transaction.atomic():
        # skip_locked lets two sweepers share the work on PostgreSQL; SQLite serialises them.
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(state=State.SCHEDULED, due_at__lte=now)
            .order_by("due_at")
            .values_list("id", flat=True)[:batch]
        )
        Delivery.objects.filter(id__in=due, state=State.SCHEDULED).update(
            state=State.QUEUED, queued_at=now
        )
        counts["due"] = len(due)

        stale = now - dt.timedelta(seconds=settings.DELIVERY_REQUEUE_AFTER_SECONDS)
        lost = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(state=State.QUEUED, queued_at__lt=stale)
            .values_list("id", flat=True)[:batch]
        )
        Delivery.objects.filter(id__in=lost, state=State.QUEUED).update(queued_at=now)
        counts["requeued"] = len(lost)

        abandoned = Delivery.objects.filter(state=State.SENDING, lease_until__lt=now)
        counts["gave_up"] = abandoned.filter(attempts__gte=settings.DELIVERY_MAX_ATTEMPTS).update(
            state=State.FAILED,
            failed_at=now,
            lease_until=None,
            reason="Gave up: the worker stopped during every attempt.",
        )
        rescued = list(abandoned.values_list("id", flat=True)[:batch])
        Delivery.objects.filter(id__in=rescued, state=State.SENDING).update(
            state=State.QUEUED, queued_at=now, lease_until=None
        )
        counts["abandoned"] = len(rescued)
        enqueue_on_commit(due + lost + rescued)
    if any(counts.values()):
        logger.info("sweep: %s", counts)
    return counts


# --- Sending one delivery ----------------------------------------------------------------


class Retry(Exception):
    """Raised by delivery_send when a transient error should be retried after ``delay``."""

    def __init__(self, delay: float) -> None:
        super().__init__(delay)
        self.delay = delay


def claim(delivery_id: int, now: dt.datetime) -> bool:
    """Takes the row for this worker with one conditional UPDATE; False if someone else did."""
    lease = now + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    return bool(
        Delivery.objects.filter(
            id=delivery_id,
            state__in=Delivery.PENDING,
            due_at__lte=now,
            attempts__lt=settings.DELIVERY_MAX_ATTEMPTS,
        ).update(
            state=State.SENDING,
            sending_at=now,
            lease_until=lease,
            attempts=F("attempts") + 1,
        )
    )


# What sending reads, and nothing more: the worker compiles this query for every delivery.
SEND_FIELDS = (
    "channel",
    "attempts",
    "note__body",
    "note__cancelled_at",
    "note__therapist__display_name",
    "note__therapist__availability_statement",
    *(
        f"note__client__{name}"
        for name in (
            "status",
            "preferred_name",
            "email",
            "phone",
            "discreet",
            "time_zone",
            "quiet_hours_start",
            "quiet_hours_end",
            "paused_until",
        )
    ),
    "note__client__practice__short_name",
    "note__client__practice__crisis_resources",
)


def delivery_send(*, delivery_id: int) -> str:
    """Claims, re-checks and sends one delivery; records the outcome on its row.

    Returns the resulting state ("" when the delivery was not this worker's to send). Raises
    Retry when a transient error should be tried again after a delay.
    """
    now = timezone.now()
    if not claim(delivery_id, now):
        return ""
    consented = Consent.objects.filter(
        client=OuterRef("note__client"), channel=OuterRef("channel"), withdrawn_at__isnull=True
    )
    delivery = (
        Delivery.objects.select_related("note__client__practice", "note__therapist")
        .only(*SEND_FIELDS)
        .annotate(consented=Exists(consented))
        .order_by()
        .get(pk=delivery_id)
    )
    channel = channels.get(delivery.channel)

    held = _held_back(delivery, channel, now)
    if held is not None:
        return held
    try:
        outcome = channel.send(delivery)
    except channels.DeliveryError as exc:
        return _record_error(delivery, exc)
    except Exception as exc:  # a bug or an unexpected provider error: retry, then fail
        logger.exception("delivery %s: unexpected error", delivery.pk)
        return _record_error(
            delivery,
            channels.DeliveryError(f"Unexpected error ({type(exc).__name__}).", permanent=False),
        )
    written = _finish(
        delivery,
        state=State.SENT,
        sent_at=timezone.now(),
        provider_message_id=outcome.provider_message_id,
        reason=outcome.remark,
        last_error="",
    )
    if not written:
        logger.warning("delivery %s: sent after its lease was taken over", delivery.pk)
    return State.SENT


def _held_back(delivery: Delivery, channel, now: dt.datetime) -> str | None:
    """Checks made at the moment of sending. Returns the new state when it must not go now."""
    note, client = delivery.note, delivery.note.client
    if note.cancelled_at is not None:
        return _end(delivery, State.CANCELLED, "Cancelled by the therapist.", cancelled_at=now)
    if client.status != Client.Status.ACTIVE:
        reason = f"Client is {client.get_status_display().lower()}: nothing was sent."
        return _end(delivery, State.SKIPPED, reason, skipped_at=now)
    if client.paused_until is not None and client.paused_until > now:
        reason = "Client paused notes: nothing was sent."
        return _end(delivery, State.SKIPPED, reason, skipped_at=now)
    if not delivery.consented:  # read in the same query as the row, at this moment
        reason = "Consent for this channel was withdrawn: nothing was sent."
        return _end(delivery, State.SKIPPED, reason, skipped_at=now)
    problem = channel.unavailable_reason() or channel.contact_missing(client)
    if problem:
        return _end(delivery, State.FAILED, problem, failed_at=now)
    if channel.intrusive:
        allowed = next_allowed(client, now)
        if allowed > now:
            # Quiet hours began since it was scheduled: wait, without spending an attempt.
            _finish(
                delivery,
                state=State.SCHEDULED,
                due_at=allowed,
                attempts=F("attempts") - 1,
                queued_at=None,
            )
            return State.SCHEDULED
    return None


def _record_error(delivery: Delivery, exc: channels.DeliveryError) -> str:
    now = timezone.now()
    if exc.permanent or delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        reason = exc.reason if exc.permanent else f"Gave up after {delivery.attempts} attempts."
        _end(delivery, State.FAILED, reason, failed_at=now, last_error=exc.reason)
        logger.info(
            "delivery %s failed: %s", delivery.pk, "permanent" if exc.permanent else "exhausted"
        )
        return State.FAILED
    delay = backoff(delivery.attempts)
    _finish(
        delivery,
        state=State.SCHEDULED,
        due_at=now + dt.timedelta(seconds=delay),
        last_error=exc.reason,
        queued_at=None,
    )
    logger.info(
        "delivery %s: transient error, retry %d in %.1fs", delivery.pk, delivery.attempts, delay
    )
    raise Retry(delay)


def backoff(attempts: int) -> float:
    """Exponential with full jitter on the upper half: base·2^(n-1) · [0.5, 1.0], capped."""
    base = settings.DELIVERY_RETRY_BASE_SECONDS * (2 ** (attempts - 1))
    capped = min(base, settings.DELIVERY_RETRY_MAX_SECONDS)
    return capped * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not secrecy


def _end(delivery: Delivery, state: str, reason: str, **fields) -> str:
    _finish(delivery, state=state, reason=reason, **fields)
    return state


def _finish(delivery: Delivery, **fields) -> bool:
    """Writes the outcome only while this worker still holds the row."""
    fields.setdefault("lease_until", None)
    return bool(Delivery.objects.filter(pk=delivery.pk, state=State.SENDING).update(**fields))


# --- Provider callbacks ------------------------------------------------------------------

PROVIDER_PROGRESS = {State.SENT: 0, State.DELIVERED: 1, State.READ: 2}


@transaction.atomic
def delivery_record_provider_status(
    *, channel: str, provider_message_id: str, state: str, error: str = ""
) -> bool:
    """Applies a provider's status report (delivered / failed) to the matching delivery.

    Never moves a delivery backwards (a late 'sent' after 'delivered' is ignored). Returns
    whether a row changed.
    """
    delivery = (
        Delivery.objects.select_for_update()
        .filter(channel=channel, provider_message_id=provider_message_id)
        .first()
    )
    if delivery is None:
        return False
    now = timezone.now()
    if state == State.DELIVERED and delivery.state == State.SENT:
        delivery.state, delivery.delivered_at = State.DELIVERED, now
        delivery.save(update_fields=["state", "delivered_at"])
        return True
    if state == State.FAILED and delivery.state in (State.SENDING, State.SENT):
        delivery.state, delivery.failed_at = State.FAILED, now
        delivery.reason = (error or "The provider could not deliver it.")[:300]
        delivery.save(update_fields=["state", "failed_at", "reason"])
        return True
    return False


# --- A therapist's own templates ---------------------------------------------------------


@transaction.atomic
def template_save(
    *, therapist, title: str, body: str, template_id: int | None = None
) -> NoteTemplate:
    """Creates a template, or rewrites one of the therapist's own (``template_id``).

    Raises NoteTemplate.DoesNotExist for anyone else's template, ValidationError for an empty
    or over-long title or body, or a title the therapist already uses.
    """
    if template_id is None:
        template = NoteTemplate(therapist=therapist)
    else:
        template = NoteTemplate.objects.select_for_update().get(pk=template_id, therapist=therapist)
    template.title = (title or "").strip()
    template.body = (body or "").strip()
    taken = NoteTemplate.objects.filter(therapist=therapist, title=template.title)
    if template.title and taken.exclude(pk=template.pk).exists():
        raise ValidationError({"title": "You already have a template with this title."})
    template.full_clean()  # lengths and blanks (and the unique title, should two race)
    template.save()
    return template


@transaction.atomic
def template_delete(*, therapist, template_id: int) -> None:
    """Raises NoteTemplate.DoesNotExist for anyone else's template."""
    NoteTemplate.objects.get(pk=template_id, therapist=therapist).delete()
