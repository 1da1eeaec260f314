from __future__ import annotations

import dataclasses

import pytest

from notes.caring import (
    ADVICE,
    DEMANDS_ANSWER,
    LOGISTICS,
    MAX_SENTENCES,
    TOO_LONG,
    WORDS,
    Hint,
    hints,
    sentences,
)


def codes(body: str) -> list[str]:
    return [hint.code for hint in hints(body)]


@pytest.mark.parametrize(
    "body",
    [
        "How are you?",
        "Can you let me know how the interview went?",
        "Would you like to talk on Tuesday?",
        "I was thinking of you. How did the move go?",
        "How was the weekend?💛",
        "Let me know how it goes.",
        "Please reply when you can.",
        "How are you? No need to reply.",  # the release is a different sentence
        "I don't have much news, but how are you?",
    ],
)
def test_a_question_or_a_request_for_a_reply_demands_an_answer(body):
    assert DEMANDS_ANSWER in codes(body)


@pytest.mark.parametrize(
    "body",
    [
        "Thinking of you this week.",
        "No need to reply.",
        "You don't have to answer this.",
        "You don’t need to reply, but I wondered how the garden is doing?",
        "No need to let me know, I just wanted to say hello.",
        "Please don't feel obliged to reply to this, but how was the trip?",
        "I found the poem at 988lifeline.org/?ref=note and thought of you.",
    ],
)
def test_statements_and_released_questions_ask_nothing(body):
    assert DEMANDS_ANSWER not in codes(body)


@pytest.mark.parametrize(
    "body",
    [
        "You should get some rest.",
        "You really need to eat properly.",
        "You must call your sister.",
        "You have to be kind to yourself.",
        "You've got to keep going.",
        "Make sure you sleep tonight.",
        "Be sure to take your walk.",
        "Don't forget to breathe.",
        "Remember to drink water.",
        "Try to go gently on yourself.",
        "Please try to rest.",
        "It was a hard week, so just try to rest.",
    ],
)
def test_advice_addressed_to_the_client(body):
    assert ADVICE in codes(body)


@pytest.mark.parametrize(
    "body",
    [
        "You don't need to reply.",
        "You don't have to answer.",
        "There's no need to write back.",
        "You never have to explain yourself to me.",
        "You must be tired after this week.",
        "If you need to talk, call or text 988.",
        "I'll try to find that poem for you.",
        "Go gently.",
    ],
)
def test_reassurance_empathy_and_offers_are_not_advice(body):
    assert ADVICE not in codes(body)


@pytest.mark.parametrize(
    "body",
    [
        "Your appointment moved.",
        "We could reschedule.",
        "Sorry I had to cancel.",
        "The invoice is in your email.",
        "Your payment came through.",
        "Your bill is ready.",
        "I sent the BILLING details.",
        "Insurance covered it.",
        "Your copay is the same.",
        "The co-pay is the same.",
        "Here is your receipt.",
        "There's a late fee this month.",
        "The session time is 4pm.",
        "See you at our next session.",
    ],
)
def test_appointment_and_billing_words_are_logistics(body):
    assert LOGISTICS in codes(body)


@pytest.mark.parametrize(
    "body",
    [
        "I know the news was a disappointment.",
        "I feel glad you found the pinball arcade.",
        "Say hi to Bill for me.",
        "I remembered our conversation about the coffee shop.",
        "Thinking of you.",
    ],
)
def test_words_that_merely_contain_logistics_words_are_not_logistics(body):
    assert LOGISTICS not in codes(body)


@pytest.mark.parametrize(
    ("body", "count"),
    [
        ("One. Two. Three.", 3),
        ("One. Two! Three? Four.", 4),
        ("Dr. Smith mentioned you. I smiled.", 2),
        ("Small things, e.g. walks, help. I hope the week is kind.", 2),
        ("J. R. R. Tolkien wrote it.", 1),
        ("I was thinking… and then I smiled.", 1),
        ("I was thinking... Then I smiled.", 2),
        ("Thinking of you 🌻 Hope the week is gentle 💛", 1),
        ("Thinking of you. 🌻", 1),
        ("“Go gently,” she said. I agree.", 2),
        ("No final stop here", 1),
        ("The number is 2.5 and the site is 988lifeline.org. Take care", 2),
        ("   ", 0),
    ],
)
def test_sentence_splitting(body, count):
    assert len(sentences(body)) == count


def test_exactly_max_sentences_is_not_too_long():
    body = " ".join(["Thinking of you."] * MAX_SENTENCES)
    assert TOO_LONG not in codes(body)


def test_one_sentence_past_the_limit_is_too_long():
    body = "Thinking of you. Dr. Lee says hello. I saw a heron. It made me smile 🌿"
    assert len(sentences(body)) == MAX_SENTENCES + 1
    assert codes(body) == [TOO_LONG]


@pytest.mark.parametrize("body", ["", " ", "\n\t "])
def test_an_empty_body_has_no_hints(body):
    assert hints(body) == []


def test_a_caring_note_has_no_hints():
    assert hints("I saw the first crocuses today and thought of you. 🌷 Go gently.") == []


def test_hints_come_in_a_fixed_order_each_at_most_once():
    body = (
        "How are you? You should rest. Don't forget your appointment. "
        "Your invoice is attached. How was Tuesday?"
    )
    assert codes(body) == [DEMANDS_ANSWER, ADVICE, LOGISTICS, TOO_LONG]


def test_hints_carry_gentle_words_for_the_therapist():
    (hint,) = hints("How are you?")
    assert hint == Hint(DEMANDS_ANSWER, WORDS[DEMANDS_ANSWER])
    assert "ask nothing" in hint.words
    assert str(MAX_SENTENCES) in WORDS[TOO_LONG]
    with pytest.raises(dataclasses.FrozenInstanceError):
        hint.code = ADVICE
