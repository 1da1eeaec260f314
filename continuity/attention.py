"""Who needs the therapist today, and why — the dashboard's ranking rules, in one place.

Pure functions over `Facts`, which a selector gathers for a whole caseload in a fixed number of
queries. Each rule gives a `Reason`: words a therapist reads at a glance, and a weight; clients
are ranked by their heaviest reason, then by the sum, then by how long the oldest has waited.
Thresholds are conventions, so each is a setting with the default named here.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings

# Weights: urgent first, then signs of decline, then the quieter reasons.
URGENT = 100
DETERIORATION = 60
FAILING_DELIVERY = 40
WAITING = 30
GAP = 20
MOMENT = 15
SESSION_TOMORROW = 5

DEFAULTS = {
    "ATTENTION_MOOD_BASELINE_DAYS": 28,  # the client's own recent past
    "ATTENTION_MOOD_RECENT": 3,  # the latest check-ins compared with it
    "ATTENTION_MOOD_DROP": 2.0,  # points below the baseline average that count as a drop
    "ATTENTION_MOOD_MIN_BASELINE": 3,  # fewer earlier check-ins than this: no baseline yet
    "ATTENTION_WAITING_HOURS": 24,  # an unacknowledged signal older than this is "waiting"
    "ATTENTION_MOMENT_DAYS_AHEAD": 3,  # moments today or within this many days
}

URGENT_WORDS = {
    "hard_time": "Asked for support",
    "phq9_item9": "PHQ-9 item 9 above zero",
    "risk_language": "Risk language in a check-in",
}


def threshold(name: str):
    return getattr(settings, name, DEFAULTS[name])


@dataclass(frozen=True)
class Facts:
    """What the rules read about one client. Times are aware datetimes; lists oldest first."""

    now: dt.datetime
    today: dt.date  # in the client's time zone
    cadence_days: int
    last_session_at: dt.datetime | None = None
    next_session_at: dt.datetime | None = None
    last_note_sent_at: dt.datetime | None = None
    #: (kind, created_at) of every unacknowledged signal that is not a plain reaction.
    unacknowledged: Sequence[tuple[str, dt.datetime]] = ()
    #: (created_at, mood) of check-ins within the baseline window plus the recent ones.
    moods: Sequence[tuple[dt.datetime, int]] = ()
    failing_deliveries: int = 0
    next_moment: dt.date | None = None


@dataclass(frozen=True, order=True)
class Reason:
    weight: int
    words: str = field(compare=False)
    code: str = field(compare=False)


def reasons(facts: Facts) -> list[Reason]:
    """Every reason this client needs attention, heaviest first (empty: nothing to do)."""
    found: list[Reason] = []
    found += _urgent(facts)
    found += _mood_drop(facts)
    found += _deterioration(facts)
    found += _waiting(facts)
    found += _failing(facts)
    found += _gap(facts)
    found += _moment(facts)
    found += _session_tomorrow(facts)
    return sorted(found, reverse=True)


def rank(rows: Iterable[tuple[object, list[Reason], dt.datetime | None]]) -> list:
    """Orders (client, reasons, oldest_waiting_since) rows: heaviest reason, then total weight,
    then the longest wait; clients with no reason keep their order at the end."""

    def key(row):
        _, found, oldest = row
        heaviest = found[0].weight if found else 0
        total = sum(r.weight for r in found)
        waited = oldest.timestamp() if oldest else float("inf")
        return (-heaviest, -total, waited)

    return sorted(rows, key=key)


def _urgent(facts: Facts) -> list[Reason]:
    kinds = sorted({kind for kind, _ in facts.unacknowledged if kind in URGENT_WORDS})
    return [Reason(URGENT, URGENT_WORDS[kind], f"urgent:{kind}") for kind in kinds]


def _deterioration(facts: Facts) -> list[Reason]:
    if any(kind == "deterioration" for kind, _ in facts.unacknowledged):
        return [Reason(DETERIORATION, "Questionnaire score rose reliably", "deterioration")]
    return []


def _mood_drop(facts: Facts) -> list[Reason]:
    recent_n = threshold("ATTENTION_MOOD_RECENT")
    window = dt.timedelta(days=threshold("ATTENTION_MOOD_BASELINE_DAYS"))
    moods = [(at, mood) for at, mood in facts.moods if at >= facts.now - window]
    if len(moods) < recent_n + threshold("ATTENTION_MOOD_MIN_BASELINE"):
        return []
    baseline = statistics.fmean(m for _, m in moods[:-recent_n])
    recent = statistics.fmean(m for _, m in moods[-recent_n:])
    if baseline - recent >= threshold("ATTENTION_MOOD_DROP"):
        words = f"Mood below their usual ({recent:.0f} lately, usually {baseline:.0f})"
        return [Reason(DETERIORATION, words, "mood_drop")]
    return []


def _waiting(facts: Facts) -> list[Reason]:
    limit = facts.now - dt.timedelta(hours=threshold("ATTENTION_WAITING_HOURS"))
    waiting = [at for _, at in facts.unacknowledged if at <= limit]
    if not waiting:
        return []
    days = (facts.now - min(waiting)).days
    unit = "day" if days == 1 else "days"
    words = (
        f"{len(waiting)} unacknowledged, oldest {days} {unit}"
        if days
        else (f"{len(waiting)} unacknowledged for over a day")
    )
    return [Reason(WAITING, words, "waiting")]


def _failing(facts: Facts) -> list[Reason]:
    if facts.failing_deliveries:
        n = facts.failing_deliveries
        return [Reason(FAILING_DELIVERY, f"{n} note{'s' if n > 1 else ''} could not be delivered",
                       "failing")]  # fmt: skip
    return []


def _gap(facts: Facts) -> list[Reason]:
    """No contact (a note sent, or a session) for longer than the agreed cadence."""
    contacts = [t for t in (facts.last_session_at, facts.last_note_sent_at) if t is not None]
    if not contacts:
        return []
    days = (facts.now - max(contacts)).days
    if days > facts.cadence_days:
        return [Reason(GAP, f"No contact for {days} days (agreed: {facts.cadence_days})", "gap")]
    return []


def _moment(facts: Facts) -> list[Reason]:
    if facts.next_moment is None:
        return []
    ahead = (facts.next_moment - facts.today).days
    if ahead < 0 or ahead > threshold("ATTENTION_MOMENT_DAYS_AHEAD"):
        return []
    if ahead == 0:
        return [Reason(MOMENT, "A moment that matters today: a good day for a note", "moment")]
    when = "tomorrow" if ahead == 1 else f"in {ahead} days"
    return [Reason(MOMENT, f"A moment that matters {when}", "moment")]


def _session_tomorrow(facts: Facts) -> list[Reason]:
    if facts.next_session_at is None:
        return []
    if facts.next_session_at - facts.now <= dt.timedelta(days=1):
        return [Reason(SESSION_TOMORROW, "Session within a day", "session")]
    return []
