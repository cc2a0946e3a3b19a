"""Callback-data codec. Telegram allows 64 bytes, so buttons carry ids, never text."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64


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


def int_arg(callback: Callback, index: int) -> int | None:
    """Argument ``index`` as an int, or None when it is missing or not a number."""
    try:
        return int(callback.args[index])
    except (IndexError, ValueError):
        return None
