"""What happened in a use case, told to whoever listens (the bot layer's metrics).

Services stay free of any metrics library: a use case calls ``emit`` with a name and a few
bounded labels (never a chat id, a ticket number or text), and listeners subscribed by the
process count them. Ticket events are emitted after their transaction commits
(``emit_after_commit``), so a rolled-back change is never counted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import after_commit

Listener = Callable[[str, Mapping[str, str]], None]

# decision: answer | suggest | none | too_short | emergency | person
QUESTION_DECIDED = "question_decided"
ANSWER_FEEDBACK = "answer_feedback"  # feedback: helpful | unhelpful | none_of_these
TICKET_FILED = "ticket_filed"  # category
TICKET_CLOSED = "ticket_closed"  # category, status: closed | rejected | merged

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call ``listener`` for every event from now on; returns the unsubscribe function."""
    _listeners.append(listener)

    def unsubscribe() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return unsubscribe


def emit(name: str, **labels: str) -> None:
    """Tell every listener; a listener's failure never reaches the use case."""
    for listener in tuple(_listeners):
        # Counting must never break a resident's request.
        with contextlib.suppress(Exception):
            listener(name, labels)


def emit_after_commit(session: AsyncSession, name: str, **labels: str) -> None:
    """``emit`` once the session's transaction has committed (not at all on rollback)."""
    if _listeners:
        after_commit(session, lambda: emit(name, **labels))
