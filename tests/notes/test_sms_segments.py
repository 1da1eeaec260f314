from __future__ import annotations

import pytest

from notes.sms_segments import GSM7, GSM7_BASIC, GSM7_EXTENSION, UCS2, segment_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (GSM7, 1)),
        ("a", (GSM7, 1)),
        ("a" * 160, (GSM7, 1)),
        ("a" * 161, (GSM7, 2)),
        ("a" * 306, (GSM7, 2)),
        ("a" * 307, (GSM7, 3)),
        ("a" * 459, (GSM7, 3)),
        ("a" * 460, (GSM7, 4)),
    ],
)
def test_gsm7_single_and_concatenated_limits(text, expected):
    assert segment_count(text) == expected


def test_the_gsm7_alphabet_has_its_127_characters_and_10_extensions():
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert segment_count("".join(sorted(GSM7_BASIC)))[0] == GSM7


@pytest.mark.parametrize("char", list("^{}[]~\\|€\f"))
def test_extension_characters_take_two_septets(char):
    assert segment_count(char * 80) == (GSM7, 1)  # 160 septets
    assert segment_count(char * 81) == (GSM7, 2)  # 162 septets
    assert segment_count("a" * 159 + char) == (GSM7, 2)  # 161 septets


def test_an_escape_pair_is_not_split_across_segments():
    # 306 septets would be two segments of 153, but the € would straddle the boundary.
    assert segment_count("a" * 152 + "€" + "a" * 152) == (GSM7, 3)
    assert segment_count("a" * 151 + "€" + "a" * 153) == (GSM7, 2)


@pytest.mark.parametrize(
    "text", ["Ça va", "é è ù ì ò à", "ÄÖÑÜäöñü§¿¡", "£5 or ¥5 or $5", "Line one\nline two"]
)
def test_accented_letters_and_symbols_of_the_gsm_table_stay_gsm7(text):
    assert segment_count(text) == (GSM7, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ç" * 70, (UCS2, 1)),
        ("ç" * 71, (UCS2, 2)),
        ("ç" * 134, (UCS2, 2)),
        ("ç" * 135, (UCS2, 3)),
    ],
)
def test_ucs2_single_and_concatenated_limits(text, expected):
    assert segment_count(text) == expected


@pytest.mark.parametrize("char", ["’", "‘", "“", "”", "…", "—", "ç", "ł", "я", "中"])
def test_one_character_outside_gsm7_makes_the_whole_text_ucs2(char):
    assert segment_count("a" * 69 + char) == (UCS2, 1)
    assert segment_count("a" * 70 + char) == (UCS2, 2)


def test_emoji_are_two_utf16_units_and_never_split():
    assert segment_count("😊" * 35) == (UCS2, 1)  # 70 units
    assert segment_count("😊" * 36) == (UCS2, 2)  # 72 units
    # 66 units then a pair that would straddle the 67-unit boundary.
    assert segment_count("a" * 66 + "😊" + "a" * 66) == (UCS2, 3)
    assert segment_count("a" * 65 + "😊" + "a" * 67) == (UCS2, 2)


def test_a_short_text_with_one_emoji_is_one_ucs2_segment():
    assert segment_count("See you Tuesday 😊") == (UCS2, 1)
