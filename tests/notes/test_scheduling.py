from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from clients.models import Client
from notes.scheduling import local_day_at, next_allowed

NY = ZoneInfo("America/New_York")


def client(start, end, zone="America/New_York"):
    return Client(time_zone=zone, quiet_hours_start=start, quiet_hours_end=end)


def at(y, m, d, h, mi=0, zone=NY):
    return dt.datetime(y, m, d, h, mi, tzinfo=zone)


def test_outside_quiet_hours_nothing_moves():
    c = client(dt.time(21), dt.time(8))
    assert next_allowed(c, at(2027, 6, 1, 12)) == at(2027, 6, 1, 12)
    assert next_allowed(client(None, None), at(2027, 6, 1, 3)) == at(2027, 6, 1, 3)


def test_evening_moves_to_next_morning_and_early_morning_to_same_morning():
    c = client(dt.time(21), dt.time(8))
    assert next_allowed(c, at(2027, 6, 1, 23, 30)) == at(2027, 6, 2, 8)
    assert next_allowed(c, at(2027, 6, 2, 3)) == at(2027, 6, 2, 8)
    assert next_allowed(c, at(2027, 6, 1, 21)) == at(2027, 6, 2, 8)


def test_quiet_hours_follow_the_clients_zone_not_the_servers():
    c = client(dt.time(21), dt.time(8), zone="Asia/Tokyo")
    noon_utc = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)  # 21:00 in Tokyo
    moved = next_allowed(c, noon_utc)
    assert moved.astimezone(ZoneInfo("Asia/Tokyo")) == at(
        2027, 6, 2, 8, zone=ZoneInfo("Asia/Tokyo")
    )


def test_across_the_autumn_change_the_wall_clock_end_holds():
    c = client(dt.time(21), dt.time(8))
    # 2027-11-07: clocks go back at 02:00 in New York.
    moved = next_allowed(c, at(2027, 11, 6, 22))
    assert moved.astimezone(NY).replace(tzinfo=None) == dt.datetime(2027, 11, 7, 8)
    assert moved.astimezone(NY).utcoffset() == dt.timedelta(hours=-5)


def test_an_end_time_skipped_by_spring_forward_lands_just_after_the_gap():
    c = client(dt.time(22), dt.time(2, 30))
    # 2027-03-14: 02:00 jumps to 03:00 in New York; 02:30 does not exist.
    moved = next_allowed(c, at(2027, 3, 13, 23))
    assert moved.astimezone(NY).replace(tzinfo=None) == dt.datetime(2027, 3, 14, 3, 30)


def test_local_day_at_is_that_hour_in_the_clients_zone():
    c = client(None, None, zone="Europe/Berlin")
    value = local_day_at(c, dt.date(2027, 7, 1), 9)
    assert value == dt.datetime(2027, 7, 1, 7, tzinfo=dt.UTC)
