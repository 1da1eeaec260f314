"""How many SMS segments a text costs, the way Twilio and the carriers count them.

A text that fits the GSM-7 alphabet (3GPP TS 23.038) is sent in 7-bit septets: 160 in a single
message, 153 per segment once it has to be split (the rest of each segment carries the
concatenation header). Characters of the extension table (``^{}[]~\\|€`` and form feed) take
two septets, an escape and the character, and a segment never ends between the two.

Any other character, a curly quote or an emoji included, sends the whole text as UCS-2: 70
UTF-16 code units in a single message, 67 per segment when split. Characters outside the Basic
Multilingual Plane (most emoji) are a surrogate pair, two units that are never split either.
Twilio's "smart encoding" (which swaps curly quotes for straight ones) is off unless a
Messaging Service turns it on, so this counts as if it were off: it may overcount, never under.

Segments are filled greedily, character by character, which is how senders split a text. The
empty text counts as one segment: sending it would still cost a message.
"""

from __future__ import annotations

GSM7 = "GSM-7"
UCS2 = "UCS-2"

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PER_SEGMENT = 160, 153
UCS2_SINGLE, UCS2_PER_SEGMENT = 70, 67


def segment_count(text: str) -> tuple[str, int]:
    """Returns the encoding ("GSM-7" or "UCS-2") and the number of segments, at least 1."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return GSM7, _segments(sizes, single=GSM7_SINGLE, per_segment=GSM7_PER_SEGMENT)
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return UCS2, _segments(sizes, single=UCS2_SINGLE, per_segment=UCS2_PER_SEGMENT)


def _segments(sizes: list[int], *, single: int, per_segment: int) -> int:
    if sum(sizes) <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > per_segment:
            segments, used = segments + 1, 0
        used += size
    return segments
