"""A client's mood over a window of time, as a small inline SVG rendered on the server.

x is the time of a check-in between `since` and `until`; y is its mood, the top of the box for
`high` and the bottom for `low`. Check-ins outside the window are dropped, not clamped: a
check-in from before the window is not part of "the last N days". A mood outside `low..high`
is drawn at the nearer edge, so a stroke is never clipped. The stroke and the dot use
`currentColor`, so the page's CSS chooses the colour.

The SVG says in words what it shows (`aria-label` and `<title>`), for screen readers and for
a pointer's tooltip. With no check-ins it is still drawn, as a faint dashed line at mid-height,
so a column of sparklines stays aligned; the line sits mid-way so it cannot be read as a mood
of zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# CheckIn.mood's bounds (clients.models.CheckIn: 0 to 10), the default scale.
MOOD_LOW, MOOD_HIGH = 0, 10

# Space kept inside the box, in px, so the line's stroke and the last dot are never clipped.
PADDING = 2.0

# The line's width and the last check-in's dot radius, in px; both fit inside PADDING.
STROKE_WIDTH = 1.5
DOT_RADIUS = 2.0

# How faint the no-check-ins line is, against the current text colour.
EMPTY_OPACITY = 0.4

# Makes the output a standalone SVG document too, not only inline HTML.
SVG_NS = "http://www.w3.org/2000/svg"


def sparkline(
    points: Sequence[tuple[dt.datetime, int]],
    *,
    since: dt.datetime,
    until: dt.datetime,
    low: int = MOOD_LOW,
    high: int = MOOD_HIGH,
    width: int = 120,
    height: int = 28,
    label: str = "Mood",
    noun: tuple[str, str] = ("check-in", "check-ins"),
) -> SafeString:
    """Returns an `<svg class="spark">` drawing `points`, (time, mood) pairs in any order.

    Raises ValueError unless since < until, low < high and the box is larger than its padding.
    """
    if not since < until:
        raise ValueError("since must be before until")
    if not low < high:
        raise ValueError("low must be below high")
    if min(width, height) <= 2 * PADDING:
        raise ValueError(f"width and height must exceed {2 * PADDING:g} px")
    inside = sorted((p for p in points if since <= p[0] <= until), key=lambda p: p[0])
    days = _days(until - since)
    if not inside:
        description = f"{label}: no {noun[1]} in the last {days}"
        return _svg(_empty_line(width, height), description, width, height)

    span = (until - since).total_seconds()

    def x(when: dt.datetime) -> float:
        return PADDING + (when - since).total_seconds() / span * (width - 2 * PADDING)

    def y(mood: int) -> float:
        share = (high - min(max(mood, low), high)) / (high - low)
        return PADDING + share * (height - 2 * PADDING)

    coordinates = [(_num(x(when)), _num(y(mood))) for when, mood in inside]
    shapes = []
    if len(coordinates) > 1:
        shapes.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="{}"'
                ' stroke-linejoin="round" stroke-linecap="round"/>',
                " ".join(f"{cx},{cy}" for cx, cy in coordinates),
                _num(STROKE_WIDTH),
            )
        )
    last_x, last_y = coordinates[-1]
    shapes.append(
        format_html(
            '<circle cx="{}" cy="{}" r="{}" fill="currentColor"/>',
            last_x,
            last_y,
            _num(DOT_RADIUS),
        )
    )
    count = f"{len(inside)} {noun[0] if len(inside) == 1 else noun[1]}"
    description = f"{label}: {count} over {days}, latest {inside[-1][1]} of {high}"
    drawing = format_html_join("", "{}", ((shape,) for shape in shapes))
    return _svg(drawing, description, width, height)


def _svg(shapes: SafeString, description: str, width: int, height: int) -> SafeString:
    return format_html(
        '<svg class="spark" xmlns="{}" role="img" aria-label="{}" viewBox="0 0 {} {}"'
        ' width="{}" height="{}"><title>{}</title>{}</svg>',
        SVG_NS,
        description,
        width,
        height,
        width,
        height,
        description,
        shapes,
    )


def _empty_line(width: int, height: int) -> SafeString:
    middle = _num(height / 2)
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-width="1"'
        ' stroke-opacity="{}" stroke-dasharray="2 3"/>',
        _num(PADDING),
        middle,
        _num(width - PADDING),
        middle,
        EMPTY_OPACITY,
    )


def _days(span: dt.timedelta) -> str:
    days = max(1, round(span.total_seconds() / 86400))
    return f"{days} day{'' if days == 1 else 's'}"


def _num(value: float) -> str:
    """A coordinate rounded to one decimal, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")
