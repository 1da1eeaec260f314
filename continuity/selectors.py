"""Reads for the therapist's dashboard."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Min, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import (
    Appointment,
    CheckIn,
    Client,
    Consent,
    Moment,
    QuestionnaireResponse,
    Signal,
)
from clients.selectors import caseload_for
from continuity import attention
from notes.models import Delivery, Note

FAILING_WINDOW = dt.timedelta(days=14)


@dataclass(frozen=True)
class Row:
    client: Client
    reasons: list[attention.Reason]
    oldest_waiting: dt.datetime | None
    moods: list[tuple[dt.datetime, int]] = field(default_factory=list)


def caseload_attention(
    *, therapist, status: str | None = Client.Status.ACTIVE, now: dt.datetime | None = None
) -> list[Row]:
    """The therapist's clients ranked by attention, each with its reasons in words.

    Five queries whatever the caseload size: the clients (with last/next session, last note
    and last signal), their unacknowledged signals, their recent moods, their next moments,
    and their failing deliveries. Each of the last four is one grouped scan of the therapist's
    rows, not a subquery per client: SQLite without statistics ran a per-client count of
    failures over every failed delivery, which grew with the square of the caseload.
    """
    now = now or timezone.now()
    window = dt.timedelta(days=attention.threshold("ATTENTION_MOOD_BASELINE_DAYS"))
    deliveries = Delivery.objects.filter(note__client=OuterRef("pk"))
    latest_delivery = deliveries.exclude(state=Delivery.State.CANCELLED).order_by(
        "-created_at", "-pk"
    )
    latest_signal = Signal.objects.filter(client=OuterRef("pk")).order_by("-created_at", "-pk")
    clients = list(
        caseload_for(therapist=therapist, status=status).annotate(
            last_note_sent_at=Subquery(
                deliveries.filter(sent_at__isnull=False).order_by("-sent_at").values("sent_at")[:1]
            ),
            last_delivery_state=Subquery(latest_delivery.values("state")[:1]),
            last_signal_at=Subquery(latest_signal.values("created_at")[:1]),
            last_signal_kind=Subquery(latest_signal.values("kind")[:1]),
        )
    )
    mine = Q(client__primary_therapist=therapist)
    if status is not None:
        mine &= Q(client__status=status)

    signals = defaultdict(list)
    for client_id, kind, created_at in (
        Signal.objects.filter(mine, acknowledged_at__isnull=True)
        .exclude(kind=Signal.Kind.REACTION)
        .values_list("client_id", "kind", "created_at")
    ):
        signals[client_id].append((kind, created_at))

    moods = defaultdict(list)
    for client_id, created_at, mood in (
        CheckIn.objects.filter(mine, created_at__gte=now - window)
        .order_by("created_at")
        .values_list("client_id", "created_at", "mood")
    ):
        moods[client_id].append((created_at, mood))

    failing = dict(
        Delivery.objects.filter(
            note__client__primary_therapist=therapist,
            state=Delivery.State.FAILED,
            failed_at__gte=now - FAILING_WINDOW,
        )
        .values("note__client_id")
        .annotate(n=Count("pk"))
        .values_list("note__client_id", "n")
    )

    moments = dict(
        Moment.objects.filter(mine, date__gte=(now - dt.timedelta(days=1)).date())
        .values("client_id")
        .annotate(first=Min("date"))
        .values_list("client_id", "first")
    )

    rows = []
    for client in clients:
        waiting = signals.get(client.pk, [])
        facts = attention.Facts(
            now=now,
            today=now.astimezone(client.time_zone).date(),
            cadence_days=client.contact_cadence_days,
            last_session_at=client.last_session_at,
            next_session_at=client.next_session_at,
            last_note_sent_at=client.last_note_sent_at,
            unacknowledged=waiting,
            moods=moods.get(client.pk, []),
            failing_deliveries=failing.get(client.pk, 0),
            next_moment=moments.get(client.pk),
        )
        oldest = min((at for _, at in waiting), default=None)
        rows.append(Row(client, attention.reasons(facts), oldest))
    ranked = attention.rank((row.client, row.reasons, row.oldest_waiting) for row in rows)
    return [Row(*row, moods=moods.get(row[0].pk, [])) for row in ranked]


# --- One client's whole thread -------------------------------------------------------------

TIMELINE_PAGE = 50
QUESTIONNAIRE_CHART_POINTS = 12


@dataclass(frozen=True)
class Item:
    """One entry on a client's timeline: ``kind`` is "session", "note" or "signal"."""

    at: dt.datetime
    kind: str
    obj: object


@dataclass
class Thread:
    client: Client
    timeline: list[Item]
    older: dt.datetime | None  # the cursor for the next page, when there is one
    open_signals: list[Signal]
    scheduled_notes: list[Note]
    consents: list[Consent]
    moments: list[Moment]
    moods: list[tuple[dt.datetime, int]]
    scores: dict[str, list[QuestionnaireResponse]] = field(default_factory=dict)


def client_for(*, therapist, client_id: int) -> Client:
    """The therapist's own client (any status) with last/next session and practice.

    Raises Client.DoesNotExist for anyone else's client."""
    return (
        caseload_for(therapist=therapist, status=None).select_related("practice").get(pk=client_id)
    )


def client_thread(
    *, therapist, client_id: int, before: dt.datetime | None = None, now: dt.datetime | None = None
) -> Thread:
    """Everything the client page shows, newest first, in a fixed number of queries.

    The timeline holds past sessions, notes with their deliveries, and signals (reactions,
    check-ins, questionnaires, requests for support), TIMELINE_PAGE at a time before
    ``before``. Raises Client.DoesNotExist for a client who is not the therapist's own.
    """
    now = now or timezone.now()
    client = client_for(therapist=therapist, client_id=client_id)
    until = Q(pk__isnull=False) if before is None else Q(at__lt=before)
    take = TIMELINE_PAGE + 1  # one more than shown tells whether an older page exists

    sessions = Appointment.objects.filter(client=client, starts_at__lte=now).annotate(
        at=F("starts_at")
    )
    notes = (
        Note.objects.filter(client=client)
        .annotate(at=Coalesce("send_at", "created_at"))
        .filter(at__lte=now)
        .prefetch_related(Prefetch("deliveries", Delivery.objects.order_by("channel")))
    )
    signals = (
        Signal.objects.filter(client=client)
        .annotate(at=F("created_at"))
        .select_related("check_in", "questionnaire", "note", "acknowledged_by")
    )
    items = [
        Item(obj.at, kind, obj)
        for kind, qs in (("session", sessions), ("note", notes), ("signal", signals))
        for obj in qs.filter(until).order_by("-at")[:take]
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    older = items[TIMELINE_PAGE - 1].at if len(items) > TIMELINE_PAGE else None

    window = dt.timedelta(days=attention.threshold("ATTENTION_MOOD_BASELINE_DAYS"))
    scores = {}
    for code in QuestionnaireResponse.Instrument.values:  # one query per instrument
        latest = QuestionnaireResponse.objects.filter(client=client, instrument=code).order_by(
            "-created_at"
        )[:QUESTIONNAIRE_CHART_POINTS]
        if points := list(latest)[::-1]:
            scores[code] = points
    return Thread(
        client=client,
        timeline=items[:TIMELINE_PAGE],
        older=older,
        open_signals=list(
            Signal.objects.filter(client=client, acknowledged_at__isnull=True)
            .exclude(kind=Signal.Kind.REACTION)
            .select_related("check_in", "questionnaire")
            .order_by("-created_at")[:TIMELINE_PAGE]
        ),
        scheduled_notes=list(
            Note.objects.filter(
                client=client,
                cancelled_at__isnull=True,
                deliveries__state__in=Delivery.PENDING,
            )
            .distinct()
            .select_related("moment")
            .prefetch_related(Prefetch("deliveries", Delivery.objects.order_by("channel")))
            .order_by("send_at", "created_at")[:TIMELINE_PAGE]
        ),
        consents=list(Consent.objects.filter(client=client).order_by("channel", "-granted_at")),
        moments=list(
            Moment.objects.filter(client=client, date__gte=(now - dt.timedelta(days=30)).date())[
                :TIMELINE_PAGE
            ]
        ),
        moods=list(
            CheckIn.objects.filter(client=client, created_at__gte=now - window)
            .order_by("created_at")
            .values_list("created_at", "mood")
        ),
        scores=scores,
    )
