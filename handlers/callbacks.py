"""Callback-data codec. Telegram allows 64 bytes, so buttons carry ids, never text."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only, and within a 64-bit database integer


class CallbackTooLong(ValueError):
    """An id made the callback data longer than Telegram accepts."""


@dataclass(frozen=True, slots=True)
class Callback:
    kind: str
    args: tuple[str, ...]


def encode(kind: str, *args: object) -> str:
    """``kind:arg1:arg2``; raises CallbackTooLong past Telegram's 64-byte limit."""
    data = ":".join([kind, *(str(a) for a in args)])
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(data)
    return data


def decode(data: str | None) -> Callback | None:
    """The parsed callback, or None for data linli did not make."""
    if not data:
        return None
    kind, *args = data.split(":")
    return Callback(kind, tuple(args))


def parse_id(text: str | None) -> int | None:
    """An id typed or carried in a button, or None: ``isdigit()`` takes ² and ١٢, ``int()``
    takes " 12 " and numbers past 64 bits, which the database refuses. One rule for all."""
    if text is None or not _ID.fullmatch(text):
        return None
    return int(text)


def int_arg(callback: Callback, index: int) -> int | None:
    """Argument ``index`` as an id, or None when it is missing or not one."""
    return parse_id(callback.args[index]) if index < len(callback.args) else None
