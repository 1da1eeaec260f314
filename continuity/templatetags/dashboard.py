"""Small drawings for the dashboard: mood sparklines and questionnaire score charts."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from clients.models import Signal
from clients.questionnaires import INSTRUMENTS
from continuity import attention
from continuity.sparkline import sparkline

register = template.Library()


@register.simple_tag
def mood_sparkline(moods, width: int = 120, height: int = 28):
    """The client's check-ins over the attention baseline window (28 days by default)."""
    until = timezone.now()
    since = until - dt.timedelta(days=attention.threshold("ATTENTION_MOOD_BASELINE_DAYS"))
    return sparkline(moods or [], since=since, until=until, width=width, height=height)


@register.simple_tag
def score_chart(code: str, responses, width: int = 240, height: int = 48):
    """A questionnaire's totals over time, on the instrument's own scale."""
    instrument = INSTRUMENTS[code]
    points = [(r.created_at, r.total) for r in responses]
    until = timezone.now()
    since = min((at for at, _ in points), default=until) - dt.timedelta(days=1)
    return sparkline(
        points,
        since=since,
        until=until,
        high=instrument.max_total,
        width=width,
        height=height,
        label=instrument.title,
        noun=("response", "responses"),
    )


@register.filter
def signal_kind(kind: str) -> str:
    """A signal kind in words, for rows that carry only the kind."""
    return Signal.Kind(kind).label if kind in Signal.Kind.values else kind
