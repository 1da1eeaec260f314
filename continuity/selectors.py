"""Reads for the therapist's dashboard."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import CheckIn, Client, Moment, Signal
from clients.selectors import caseload_for
from continuity import attention
from notes.models import Delivery

FAILING_WINDOW = dt.timedelta(days=14)


@dataclass(frozen=True)
class Row:
    client: Client
    reasons: list[attention.Reason]
    oldest_waiting: dt.datetime | None


def caseload_attention(
    *, therapist, status: str | None = Client.Status.ACTIVE, now: dt.datetime | None = None
) -> list[Row]:
    """The therapist's clients ranked by attention, each with its reasons in words.

    Four queries whatever the caseload size: the clients (with last/next session, last note
    sent and failing deliveries), their unacknowledged signals, their recent moods, and their
    next moments.
    """
    now = now or timezone.now()
    window = dt.timedelta(days=attention.threshold("ATTENTION_MOOD_BASELINE_DAYS"))
    deliveries = Delivery.objects.filter(note__client=OuterRef("pk"))
    clients = list(
        caseload_for(therapist=therapist, status=status).annotate(
            last_note_sent_at=Subquery(
                deliveries.filter(sent_at__isnull=False).order_by("-sent_at").values("sent_at")[:1]
            ),
            failing=Coalesce(
                Subquery(
                    deliveries.filter(
                        state=Delivery.State.FAILED, failed_at__gte=now - FAILING_WINDOW
                    )
                    .values("note__client")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            ),
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
            failing_deliveries=client.failing,
            next_moment=moments.get(client.pk),
        )
        oldest = min((at for _, at in waiting), default=None)
        rows.append(Row(client, attention.reasons(facts), oldest))
    ranked = attention.rank((row.client, row.reasons, row.oldest_waiting) for row in rows)
    return [Row(*row) for row in ranked]
