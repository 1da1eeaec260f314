"""PHQ-9 and GAD-7: the instruments as immutable data, and their scoring.

Both instruments are in the public domain and free to use. The wording is exactly as in the
project's clinical reference and must not be paraphrased.

Pure Python, no database. Invalid input raises `django.core.exceptions.ValidationError` with a
message fit to show a person.

Item 9 of the PHQ-9 (thoughts of being better off dead or of self-harm) answered above zero
makes a result `urgent`: the caller shows crisis resources at once and alerts the therapist.
`urgent=False` means only "item 9 was answered 0" (or the instrument has no such item) —
nothing more. A zero is not reassurance: most people who die by suicide answered zero, so no
screen, message or label may ever present it as "safe" or "no risk".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

FREQUENCY_OPTIONS: tuple[tuple[int, str], ...] = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)


@dataclass(frozen=True)
class Band:
    """A severity band: totals from `low` to `high`, both inclusive."""

    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Instrument:
    """One questionnaire. `urgent_item` is the 1-based item whose answer above zero is urgent."""

    code: str
    title: str
    stem: str
    items: tuple[str, ...]
    options: tuple[tuple[int, str], ...]
    max_total: int
    bands: tuple[Band, ...]
    reliable_change_setting: str
    reliable_change_default: int
    urgent_item: int | None = None
    difficulty_question: str | None = None
    difficulty_options: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Result:
    """A scored questionnaire. `urgent=False` means only that item 9 was answered 0."""

    instrument_code: str
    answers: tuple[int, ...]
    total: int
    severity: str
    urgent: bool
    difficulty: int | None


PHQ9 = Instrument(
    code="phq9",
    title="PHQ-9",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    options=FREQUENCY_OPTIONS,
    max_total=27,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    reliable_change_setting="PHQ9_RELIABLE_CHANGE",
    reliable_change_default=6,
    urgent_item=9,
    difficulty_question=(
        "If you checked off any problems, how difficult have these problems made it for you to "
        "do your work, take care of things at home, or get along with other people?"
    ),
    difficulty_options=(
        (0, "Not difficult at all"),
        (1, "Somewhat difficult"),
        (2, "Very difficult"),
        (3, "Extremely difficult"),
    ),
)

GAD7 = Instrument(
    code="gad7",
    title="GAD-7",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    options=FREQUENCY_OPTIONS,
    max_total=21,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    reliable_change_setting="GAD7_RELIABLE_CHANGE",
    reliable_change_default=4,
)

INSTRUMENTS: dict[str, Instrument] = {PHQ9.code: PHQ9, GAD7.code: GAD7}


def _is_choice(value: object, choices: tuple[tuple[int, str], ...]) -> bool:
    # bool is a subclass of int; True must not pass for 1.
    return type(value) is int and any(value == v for v, _ in choices)


def score(instrument: Instrument, answers: Sequence[int], difficulty: int | None = None) -> Result:
    """Score one completed questionnaire.

    `answers` holds one int 0–3 per item, in order; `difficulty` is the optional answer (0–3)
    to the PHQ-9 functional question, and must be None for an instrument without one.
    Raises ValidationError on a wrong count, a non-int or out-of-range answer, or a bad
    difficulty.
    """
    answers = tuple(answers)
    if len(answers) != len(instrument.items):
        raise ValidationError(
            "%(title)s needs exactly %(expected)d answers; got %(got)d.",
            code="answer_count",
            params={
                "title": instrument.title,
                "expected": len(instrument.items),
                "got": len(answers),
            },
        )
    for number, answer in enumerate(answers, start=1):
        if not _is_choice(answer, instrument.options):
            raise ValidationError(
                "Answer to %(title)s question %(number)d must be a whole number from 0 to 3.",
                code="answer_invalid",
                params={"title": instrument.title, "number": number},
            )
    if difficulty is not None and not _is_choice(difficulty, instrument.difficulty_options):
        message = (
            "The difficulty answer must be a whole number from 0 to 3."
            if instrument.difficulty_options
            else f"{instrument.title} has no difficulty question."
        )
        raise ValidationError(message, code="difficulty_invalid")
    total = sum(answers)
    urgent = instrument.urgent_item is not None and answers[instrument.urgent_item - 1] > 0
    return Result(
        instrument_code=instrument.code,
        answers=answers,
        total=total,
        severity=severity(instrument, total),
        urgent=urgent,
        difficulty=difficulty,
    )


def severity(instrument: Instrument, total: int) -> str:
    """Return the band label for `total`. Raises ValidationError outside 0..max_total."""
    for band in instrument.bands:
        if type(total) is int and band.low <= total <= band.high:
            return band.label
    raise ValidationError(
        "A %(title)s total must be a whole number from 0 to %(max)d.",
        code="total_invalid",
        params={"title": instrument.title, "max": instrument.max_total},
    )


def change(instrument: Instrument, previous_total: int | None, total: int) -> str | None:
    """Classify the change from `previous_total` to `total` against the reliable-change threshold.

    Returns "deterioration" for a rise of at least the threshold, "improvement" for a fall of at
    least the threshold, otherwise None (also when there is no previous total). The threshold is
    read from settings (PHQ9_RELIABLE_CHANGE, GAD7_RELIABLE_CHANGE) at call time. Raises
    ValidationError if either total is outside 0..max_total.
    """
    severity(instrument, total)
    if previous_total is None:
        return None
    severity(instrument, previous_total)
    threshold = getattr(
        settings, instrument.reliable_change_setting, instrument.reliable_change_default
    )
    if total - previous_total >= threshold:
        return "deterioration"
    if previous_total - total >= threshold:
        return "improvement"
    return None
