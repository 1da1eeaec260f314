"""The attention rules, each at the edges of its threshold, and the ranking."""

from __future__ import annotations

import datetime as dt

import pytest

from continuity.attention import (
    DETERIORATION,
    GAP,
    MOMENT,
    URGENT,
    WAITING,
    Facts,
    rank,
    reasons,
)

NOW = dt.datetime(2027, 3, 10, 12, tzinfo=dt.UTC)


def facts(**kw) -> Facts:
    kw.setdefault("now", NOW)
    kw.setdefault("today", NOW.date())
    kw.setdefault("cadence_days", 7)
    kw.setdefault("last_session_at", NOW - dt.timedelta(days=2))
    return Facts(**kw)


def codes(f: Facts) -> list[str]:
    return [r.code for r in reasons(f)]


def ago(**kw) -> dt.datetime:
    return NOW - dt.timedelta(**kw)


def test_nothing_to_do_is_an_empty_list():
    assert reasons(facts()) == []


@pytest.mark.parametrize("kind", ["hard_time", "phq9_item9", "risk_language"])
def test_each_urgent_signal_comes_first_with_words(kind):
    found = reasons(facts(unacknowledged=[(kind, ago(minutes=5))]))
    assert found[0].weight == URGENT and found[0].words


def test_a_plain_check_in_is_not_urgent():
    assert codes(facts(unacknowledged=[("check_in", ago(minutes=5))])) == []


@pytest.mark.parametrize(("hours", "waiting"), [(23, False), (24, True), (72, True)])
def test_unacknowledged_signals_wait_after_a_day(hours, waiting):
    found = reasons(facts(unacknowledged=[("check_in", ago(hours=hours))]))
    assert ("waiting" in [r.code for r in found]) is waiting
    if hours == 72:
        assert "oldest 3 days" in found[0].words and found[0].weight == WAITING


@pytest.mark.parametrize(("days", "gap"), [(7, False), (8, True)])
def test_no_contact_beyond_the_agreed_cadence(days, gap):
    f = facts(last_session_at=ago(days=days), cadence_days=7)
    assert ("gap" in codes(f)) is gap


def test_a_recent_note_counts_as_contact():
    f = facts(last_session_at=ago(days=20), last_note_sent_at=ago(days=3))
    assert "gap" not in codes(f)


def test_a_client_never_seen_has_no_gap_reason():
    assert "gap" not in codes(facts(last_session_at=None))


def moods(values, days_apart=2):
    start = NOW - dt.timedelta(days=days_apart * len(values))
    return [(start + dt.timedelta(days=days_apart * i), v) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("values", "dropped"),
    [
        ([7, 7, 7, 5, 5, 5], True),  # 2 points below their own usual
        ([7, 7, 7, 6, 5, 6], False),  # 1.3 below: not yet
        ([3, 3, 3, 3, 3, 3], False),  # low but steady is their baseline, not a drop
        ([7, 7, 5, 5, 5], False),  # too few earlier check-ins for a baseline
    ],
)
def test_mood_below_the_clients_own_baseline(values, dropped):
    found = reasons(facts(moods=moods(values)))
    assert ("mood_drop" in [r.code for r in found]) is dropped
    if dropped:
        assert found[0].weight == DETERIORATION and "usually 7" in found[0].words


def test_mood_baseline_window_is_a_setting(settings):
    old = [(ago(days=60 - i), 9) for i in range(5)]
    recent = [(ago(days=3 - i), 4) for i in range(3)]
    assert "mood_drop" not in codes(facts(moods=old + recent))  # the 9s are out of the window
    settings.ATTENTION_MOOD_BASELINE_DAYS = 90
    assert "mood_drop" in codes(facts(moods=old + recent))


@pytest.mark.parametrize(
    ("ahead", "words"),
    [(0, "today: a good day for a note"), (1, "tomorrow"), (3, "in 3 days")],
)
def test_moments_in_the_next_days(ahead, words):
    found = reasons(facts(next_moment=NOW.date() + dt.timedelta(days=ahead)))
    assert found[0].weight == MOMENT and found[0].words.endswith(words)


@pytest.mark.parametrize("ahead", [4, -1])
def test_moments_further_off_or_past_are_quiet(ahead):
    assert codes(facts(next_moment=NOW.date() + dt.timedelta(days=ahead))) == []


@pytest.mark.parametrize(("hours", "soon"), [(24, True), (25, False)])
def test_session_within_a_day(hours, soon):
    f = facts(next_session_at=NOW + dt.timedelta(hours=hours))
    assert ("session" in codes(f)) is soon


def test_failing_deliveries_and_deterioration_signals():
    f = facts(failing_deliveries=2, unacknowledged=[("deterioration", ago(minutes=1))])
    assert codes(f) == ["deterioration", "failing"]
    assert "2 notes could not be delivered" in reasons(f)[1].words


def test_ranking_urgent_then_decline_then_gaps_then_calm():
    calm = ("calm", reasons(facts()), None)
    gap = ("gap", reasons(facts(last_session_at=ago(days=30))), None)
    urgent_new = ("urgent-new", reasons(facts(unacknowledged=[("hard_time", ago(minutes=1))])),
                  ago(minutes=1))  # fmt: skip
    urgent_old = ("urgent-old", reasons(facts(unacknowledged=[("hard_time", ago(hours=3))])),
                  ago(hours=3))  # fmt: skip
    mood = ("mood", reasons(facts(moods=moods([8, 8, 8, 5, 5, 5]))), None)
    ordered = [name for name, *_ in rank([calm, gap, urgent_new, mood, urgent_old])]
    assert ordered == ["urgent-old", "urgent-new", "mood", "gap", "calm"]
    assert reasons(facts(last_session_at=ago(days=30)))[0].weight == GAP
