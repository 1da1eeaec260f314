"""A caring-contact check for a therapist's draft note: gentle hints, never a gate.

Caring contacts help when a note is brief, personal and asks nothing of the client (Motto &
Bostrom 2001; Comtois et al. 2019). `hints` reads a draft and names the ways it may ask
something after all: a question the client may feel bound to answer, advice, appointment or
billing content, or more than a few sentences. Hints are suggestions for the therapist to
weigh; they never block sending, and a note with hints is still a valid note.

The checks are plain patterns over English text, tuned to err towards silence: a missed hint
costs less than nagging a therapist about a warm note. Known limits, by design:

- Any sentence with a question mark counts as a question, rhetorical ones included, unless
  the same sentence says no reply is needed ("No need to answer, but how was the trip?").
  A separate "No need to reply." does not excuse a question elsewhere in the note.
- Advice is only the forms addressed to the client ("you should", "make sure", "try to" ...);
  a warm imperative like "Go gently." is not flagged, nor is "you must be tired".
- Emoji do not end sentences; only ``.``, ``!``, ``?`` and ellipses do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# More sentences than this and the note stops reading as a brief word.
MAX_SENTENCES = 3

# The end of a sentence: terminal punctuation (an ellipsis included), closing quotes or
# brackets, then whitespace or the end of the text; "2.5" and "988lifeline.org" are not ends.
SENTENCE_END_RE = re.compile(r"(?:\.\.\.|[.!?…])+[\"'”’)\]]*(?=\s|$)")

# A piece of text with a letter or digit in it is a sentence; an emoji on its own is not.
WORDLIKE_RE = re.compile(r"\w")

# Words whose full stop does not end a sentence ("Dr. Smith", "e.g. walks"), lower-cased.
ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "mx", "prof", "st", "jr", "sr", "e.g", "i.e", "etc", "vs", "cf"}
    | {"approx", "a.m", "p.m"}
)

# An ellipsis followed by a lower-case letter trails off mid-sentence ("I wondered… maybe").
ELLIPSIS_CONTINUES_RE = re.compile(r"(?:\.\.\.|…)[\"'”’)\]]*\s+[a-z]")

# A question mark that ends a question, not one inside a link ("example.org/?a=1").
QUESTION_RE = re.compile(r"\?(?!\w)")

# An explicit request for a reply, with or without a question mark.
REPLY_REQUEST_RE = re.compile(
    r"\b(?:let\s+me\s+know|get\s+back\s+to\s+me|keep\s+me\s+(?:posted|updated)"
    r"|please\s+(?:reply|respond|answer|write\s+back|text\s+back))\b",
    re.IGNORECASE,
)

# Words that release the client from replying; a sentence that has them asks nothing.
NO_REPLY_NEEDED_RE = re.compile(
    r"\b(?:no\s+need|needn['’]?t|no\s+(?:pressure|obligation)|nothing\s+you\s+need"
    r"|(?:don['’]?t|doesn['’]?t|do\s+not|does\s+not|never)\s+(?:(?:need|have)\s+to"
    r"|feel\s+(?:you\s+(?:need|have)\s+to|obliged|obligated|pressured))"
    r"|not\s+(?:necessary|expecting|expected|required))",
    re.IGNORECASE,
)

# Advice addressed to the client. "You must" is advice, but "you must be tired" is empathy,
# and "if you need to talk" is an offer, so both are left alone.
ADVICE_RE = re.compile(
    r"(?<!\bif\s)(?<!\bwhen\s)(?<!\bcase\s)(?<!\bwhenever\s)"
    r"\byou\s+(?:(?:really|just|still|definitely|absolutely|truly|do)\s+)?"
    r"(?:should|ought\s+to|need\s+to|have\s+to|have\s+got\s+to|got\s+to"
    r"|must(?!\s+(?:be|have|feel|know)\b|['’]ve))\b"
    r"|\byou(?:['’]ve|\s+have)\s+got\s+to\b"
    r"|\byou(?:['’]d|\s+had)\s+better\b"
    r"|\b(?:make|be)\s+sure\b"
    r"|\b(?:don['’]?t|do\s+not)\s+forget\b"
    r"|\bremember\s+to\b"
    r"|(?:^|[,;:—–]\s*|\b(?:please|just|maybe|perhaps|do)\s+)try\s+to\b",
    re.IGNORECASE,
)

# Appointment and billing words, whole words only: "disappointment" is not an appointment.
# "bill" is matched in lower case only, so a client's friend called Bill is left alone.
LOGISTICS_RE = re.compile(
    r"\b(?:appointments?|reschedul(?:e|ed|es|ing)|cancel(?:s|led|ed|ling|ing|lations?)?"
    r"|next\s+(?:session|visit)|session\s+(?:times?|rates?|costs?)|fees?|invoic(?:e|es|ed|ing)"
    r"|payments?|(?-i:bills?)|billing|billed|insurance|co-?pays?|receipts?|deductibles?"
    r"|outstanding\s+balance|balance\s+due)\b",
    re.IGNORECASE,
)

# The hint codes, stable names for programs and tests.
DEMANDS_ANSWER = "demands_answer"
ADVICE = "advice"
LOGISTICS = "logistics"
TOO_LONG = "too_long"

# What each hint says to the therapist, in the order hints are given.
WORDS = {
    DEMANDS_ANSWER: (
        "This reads like a question the client may feel they have to answer. "
        "Caring notes work best when they ask nothing."
    ),
    ADVICE: (
        "This may read as advice, one more thing the client feels they ought to do. "
        "Caring notes work best when they expect nothing."
    ),
    LOGISTICS: (
        "This mentions appointments or billing. Caring notes work best kept apart from "
        "practical matters, which can go in a message of their own."
    ),
    TOO_LONG: (
        f"This runs past {MAX_SENTENCES} sentences. Caring notes are most often brief: "
        "a few warm lines are enough."
    ),
}


@dataclass(frozen=True)
class Hint:
    """A suggestion about a draft: `code` for programs, `words` for the therapist."""

    code: str
    words: str


def hints(body: str) -> list[Hint]:
    """Returns the hints for a draft note, in a fixed order, each at most once.

    The order is demands_answer, advice, logistics, too_long. An empty or blank body has none.
    """
    if not body.strip():
        return []
    found: set[str] = set()
    parts = sentences(body)
    if any(_demands_answer(sentence) for sentence in parts):
        found.add(DEMANDS_ANSWER)
    if any(ADVICE_RE.search(sentence) for sentence in parts):
        found.add(ADVICE)
    if LOGISTICS_RE.search(body):
        found.add(LOGISTICS)
    if len(parts) > MAX_SENTENCES:
        found.add(TOO_LONG)
    return [Hint(code, words) for code, words in WORDS.items() if code in found]


def sentences(body: str) -> list[str]:
    """Splits text into sentences; a piece with no letter or digit (an emoji alone) is none."""
    parts, start = [], 0
    for end in SENTENCE_END_RE.finditer(body):
        if _ends_sentence(body, end):
            parts.append(body[start : end.end()])
            start = end.end()
    parts.append(body[start:])
    return [part.strip() for part in parts if WORDLIKE_RE.search(part)]


def _ends_sentence(body: str, end: re.Match[str]) -> bool:
    if ELLIPSIS_CONTINUES_RE.match(body, end.start()):
        return False
    if end.group() != ".":
        return True
    words = body[: end.start()].split()
    word = words[-1].lstrip("([\"'“‘").lower() if words else ""
    is_initial = len(word) == 1 and word.isalpha()  # "J. Smith"
    return not (is_initial or word in ABBREVIATIONS)


def _demands_answer(sentence: str) -> bool:
    asks = QUESTION_RE.search(sentence) or REPLY_REQUEST_RE.search(sentence)
    return bool(asks) and not NO_REPLY_NEEDED_RE.search(sentence)
