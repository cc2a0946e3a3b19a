"""What a log line is about: the update being handled, its handler, the ticket in hand.

Plain ``contextvars``, so every coroutine of one update (each runs in a task of its own)
sees its own fields, and a use case can say which ticket it works on without knowing about
logging. ``bot/logs.py`` puts the fields on every log record (``LINLI_LOG_FORMAT=json``).
Only identifiers go here: no names, phone numbers or message text.
"""

from __future__ import annotations

from contextvars import ContextVar

_FIELDS: ContextVar[dict[str, object] | None] = ContextVar("linli_log_fields", default=None)


def bind(**fields: object) -> None:
    """Add ``fields`` to what the current update's (or job's) log lines carry."""
    _FIELDS.set({**(_FIELDS.get() or {}), **fields})


def clear() -> None:
    """Start afresh: the fields of one update must not leak into the next."""
    _FIELDS.set(None)


def log_fields() -> dict[str, object]:
    """The fields bound so far in this context (a copy)."""
    return dict(_FIELDS.get() or {})


def bind_ticket(number: str) -> None:
    """The ticket a use case works on (its public number, never its content)."""
    bind(ticket=number)
