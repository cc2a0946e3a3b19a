"""How long a text is where it will be shown.

Telegram counts a message's length in UTF-16 code units, not characters: an emoji or a rare
CJK character outside the Basic Multilingual Plane counts twice. Every limit that protects
a message from Telegram's "message is too long" is checked with ``text_units``, so that
what is accepted at input can always be sent.
"""

from __future__ import annotations


def text_units(text: str) -> int:
    """``text``'s length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def fitting_prefix(text: str, limit: int) -> int:
    """The largest ``n`` such that ``text[:n]`` is at most ``limit`` units long (a character
    is never cut in half)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)
