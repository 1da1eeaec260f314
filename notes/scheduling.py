"""When a delivery may go: the client's time zone and quiet hours."""

from __future__ import annotations

import datetime as dt

from clients.models import Client


def next_allowed(client: Client, when: dt.datetime) -> dt.datetime:
    """``when`` if it is outside the client's quiet hours, else the instant they end.

    Works in the client's own zone, so quiet hours follow daylight-saving changes. An end time
    that does not exist locally that day (skipped by a spring-forward) resolves to the same
    wall-clock reading after the jump.
    """
    zone = client.time_zone
    local = when.astimezone(zone)
    if not client.in_quiet_hours(local.time().replace(tzinfo=None)):
        return when
    end = client.quiet_hours_end
    end_date = local.date()
    if local.time().replace(tzinfo=None) >= end:  # quiet hours wrap midnight: ends tomorrow
        end_date += dt.timedelta(days=1)
    wall = dt.datetime.combine(end_date, end)
    return from_wall_clock(wall, zone)


def from_wall_clock(wall: dt.datetime, zone) -> dt.datetime:
    candidate = wall.replace(tzinfo=zone)
    # A round trip that changes the reading means the time was skipped: move past the gap.
    roundtrip = candidate.astimezone(dt.UTC).astimezone(zone)
    if roundtrip.replace(tzinfo=None) != wall:
        candidate = (wall + (roundtrip.utcoffset() - candidate.utcoffset())).replace(tzinfo=zone)
    return candidate.astimezone(dt.UTC)


def local_day_at(client: Client, day: dt.date, hour: int) -> dt.datetime:
    """``hour``:00 on ``day`` in the client's zone, as an aware UTC datetime."""
    return from_wall_clock(dt.datetime.combine(day, dt.time(hour)), client.time_zone)
