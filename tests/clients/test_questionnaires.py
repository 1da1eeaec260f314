from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from clients.questionnaires import GAD7, INSTRUMENTS, PHQ9, change, score, severity


def test_registry():
    assert INSTRUMENTS == {"phq9": PHQ9, "gad7": GAD7}


def test_instruments_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PHQ9.max_total = 30  # type: ignore[misc]


@pytest.mark.parametrize(
    ("instrument", "count", "first", "last", "max_total"),
    [
        (
            PHQ9,
            9,
            "Little interest or pleasure in doing things",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
            27,
        ),
        (
            GAD7,
            7,
            "Feeling nervous, anxious, or on edge",
            "Feeling afraid, as if something awful might happen",
            21,
        ),
    ],
)
def test_items(instrument, count, first, last, max_total):
    assert len(instrument.items) == count
    assert instrument.items[0] == first
    assert instrument.items[-1] == last
    assert instrument.max_total == max_total


def test_wording():
    assert PHQ9.stem == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert GAD7.stem == (
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    )
    assert PHQ9.items[5] == (
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down"
    )
    for instrument in (PHQ9, GAD7):
        assert instrument.options == (
            (0, "Not at all"),
            (1, "Several days"),
            (2, "More than half the days"),
            (3, "Nearly every day"),
        )
    assert [label for _, label in PHQ9.difficulty_options] == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]
    assert GAD7.difficulty_question is None


@pytest.mark.parametrize(
    ("instrument", "value", "total"),
    [(PHQ9, 0, 0), (PHQ9, 3, 27), (GAD7, 0, 0), (GAD7, 3, 21)],
)
def test_uniform_answers(instrument, value, total):
    answers = [value] * len(instrument.items)
    result = score(instrument, answers)
    assert result.total == total
    assert result.answers == tuple(answers)
    assert result.instrument_code == instrument.code
    assert result.difficulty is None


BOUNDARIES = [
    (PHQ9, 0, "minimal"),
    (PHQ9, 4, "minimal"),
    (PHQ9, 5, "mild"),
    (PHQ9, 9, "mild"),
    (PHQ9, 10, "moderate"),
    (PHQ9, 14, "moderate"),
    (PHQ9, 15, "moderately severe"),
    (PHQ9, 19, "moderately severe"),
    (PHQ9, 20, "severe"),
    (PHQ9, 27, "severe"),
    (GAD7, 0, "minimal"),
    (GAD7, 4, "minimal"),
    (GAD7, 5, "mild"),
    (GAD7, 9, "mild"),
    (GAD7, 10, "moderate"),
    (GAD7, 14, "moderate"),
    (GAD7, 15, "severe"),
    (GAD7, 21, "severe"),
]


def answers_totalling(instrument, total):
    """Answers summing to `total`, filled from the first item; item 9 stays 0 unless needed."""
    answers = []
    for _ in instrument.items:
        answers.append(min(3, total))
        total -= answers[-1]
    return answers


@pytest.mark.parametrize(("instrument", "total", "label"), BOUNDARIES)
def test_severity(instrument, total, label):
    assert severity(instrument, total) == label


@pytest.mark.parametrize(("instrument", "total", "label"), BOUNDARIES)
def test_score_severity(instrument, total, label):
    result = score(instrument, answers_totalling(instrument, total))
    assert result.total == total
    assert result.severity == label


@pytest.mark.parametrize(
    ("instrument", "total"), [(PHQ9, -1), (PHQ9, 28), (GAD7, -1), (GAD7, 22), (PHQ9, True)]
)
def test_severity_out_of_range(instrument, total):
    with pytest.raises(ValidationError):
        severity(instrument, total)


@pytest.mark.parametrize(("item9", "urgent"), [(0, False), (1, True), (2, True), (3, True)])
def test_item9_urgent(item9, urgent):
    assert score(PHQ9, [0] * 8 + [item9]).urgent is urgent


def test_item9_zero_is_not_urgent_even_with_high_total():
    assert score(PHQ9, [3] * 8 + [0]).urgent is False


@pytest.mark.parametrize("value", [0, 1, 2, 3])
def test_gad7_never_urgent(value):
    assert score(GAD7, [value] * 7).urgent is False


def test_difficulty_recorded():
    assert score(PHQ9, [1] * 9, difficulty=2).difficulty == 2


@pytest.mark.parametrize(
    ("instrument", "answers", "difficulty"),
    [
        (PHQ9, [0] * 8, None),
        (PHQ9, [0] * 10, None),
        (GAD7, [0] * 6, None),
        (GAD7, [0] * 8, None),
        (PHQ9, [0] * 8 + [-1], None),
        (PHQ9, [4] + [0] * 8, None),
        (PHQ9, ["2"] + [0] * 8, None),
        (PHQ9, [True] + [0] * 8, None),
        (PHQ9, [None] + [0] * 8, None),
        (PHQ9, [1.0] + [0] * 8, None),
        (GAD7, [0] * 6 + [4], None),
        (PHQ9, [0] * 9, 4),
        (PHQ9, [0] * 9, -1),
        (PHQ9, [0] * 9, True),
        (GAD7, [0] * 7, 1),
    ],
)
def test_bad_input(instrument, answers, difficulty):
    with pytest.raises(ValidationError):
        score(instrument, answers, difficulty=difficulty)


def test_bad_input_message_names_the_question():
    with pytest.raises(ValidationError) as excinfo:
        score(PHQ9, [0, 0, 4, 0, 0, 0, 0, 0, 0])
    assert excinfo.value.messages == [
        "Answer to PHQ-9 question 3 must be a whole number from 0 to 3."
    ]


@pytest.mark.parametrize(
    ("instrument", "previous", "total", "expected"),
    [
        (PHQ9, 5, 11, "deterioration"),
        (PHQ9, 5, 10, None),
        (PHQ9, 11, 5, "improvement"),
        (PHQ9, 10, 5, None),
        (GAD7, 5, 9, "deterioration"),
        (GAD7, 5, 8, None),
        (GAD7, 9, 5, "improvement"),
        (GAD7, 8, 5, None),
        (PHQ9, None, 27, None),
        (GAD7, None, 21, None),
    ],
)
def test_change(instrument, previous, total, expected):
    assert change(instrument, previous, total) == expected


def test_change_threshold_from_settings(settings):
    assert change(PHQ9, 5, 10) is None
    settings.PHQ9_RELIABLE_CHANGE = 5
    assert change(PHQ9, 5, 10) == "deterioration"
    assert change(PHQ9, 10, 5) == "improvement"


def test_change_rejects_out_of_range_totals():
    with pytest.raises(ValidationError):
        change(GAD7, 5, 22)
