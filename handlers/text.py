"""Splitting long replies to fit Telegram's 4096-unit limit (UTF-16 units: services/lengths.py)."""

from __future__ import annotations

from services.lengths import fitting_prefix, text_units

TELEGRAM_TEXT_LIMIT = 4096


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-16 units, as Telegram counts.

    Cuts at the last paragraph break, else line break, else sentence end, else space that
    fits, so a part never ends mid-word when it can be helped.
    """
    parts: list[str] = []
    rest = text.strip()
    while text_units(rest) > limit:
        window = rest[: fitting_prefix(rest, limit)]
        cut = -1
        for sep in ("\n\n", "\n", "。", ". ", " "):
            pos = window.rfind(sep)
            if pos > limit // 2:
                cut = pos + len(sep)
                break
        if cut <= 0:
            cut = len(window)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts or [""]
