"""What a person owes linli next: the one fact that routes their next typed message.

A resident filing owes the next step of their complaint, an official composing a broadcast
the answer to the question asked last, a resident who chose a score the comment on it, an
admin the entry id for a group of unanswered questions, a staff member who pressed reject
or reply the reason or the text (in the staff chat: services/tickets/prompts.py), a staff
member recording a ticket for a resident who phoned the next answer (/record). Kept in
the database (one row per person), so every process behind a webhook routes the next
message alike, and a restart loses nothing. Starting another flow replaces what was owed;
the caller gets back what it replaced, so that the person can be told.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from storage import Database
from storage.repositories import awaiting as repo


class Owed(StrEnum):
    """The flows that wait for a person's typed answer."""

    FILING = "filing"  # the filing draft's current step (services.tickets)
    BROADCAST_TEXT = "broadcast_text"  # /broadcast asked for the notice's text
    BROADCAST = "broadcast"  # reference "<notice id>:<step>" of the open draft
    RATING_COMMENT = "rating_comment"  # reference "<ticket number>:<y|n>:<score>"
    KB_ENTRY = "kb_entry"  # reference: the group of unanswered questions
    REJECT_REASON = "reject_reason"  # in the staff chat; reference: the ticket's id
    REPLY_TEXT = "reply_text"  # "💬 答复" pressed in the staff chat; reference: the ticket's id
    PLACE = "place"  # /profile or /start: "community", or "building:<community id>"
    RECORD = "record"  # /record (代录): the recording draft's next answer (tickets/on_behalf.py)
    ENQUIRY = "enquiry"  # 🙋 under 转人工: what they need help with; reference: the query id


FILING_IDLE = timedelta(minutes=30)
"""A filing draft nobody touched for this long is dropped (and its owner told)."""
BROADCAST_IDLE = timedelta(minutes=60)
"""A broadcast draft nobody touched for this long is discarded (and its author told)."""
REJECT_PROMPT_TTL = timedelta(minutes=10)
"""A reject prompt in the staff chat takes no answer after this long."""
REPLY_PROMPT_TTL = timedelta(minutes=30)
"""A reply prompt waits longer: a reply to a resident may take a phone call to write."""

# How long linli waits for an answer that no draft holds; None: as long as the draft lives
# (the drafts' own expiry, above, ends those).
WAIT: dict[Owed, timedelta | None] = {
    Owed.FILING: None,
    Owed.BROADCAST: None,
    Owed.BROADCAST_TEXT: BROADCAST_IDLE,
    Owed.RATING_COMMENT: timedelta(minutes=10),  # optional: the rating is in already
    Owed.KB_ENTRY: timedelta(minutes=30),
    Owed.REJECT_REASON: REJECT_PROMPT_TTL,
    Owed.REPLY_TEXT: REPLY_PROMPT_TTL,
    Owed.PLACE: timedelta(minutes=30),
    Owed.RECORD: timedelta(minutes=30),
    Owed.ENQUIRY: timedelta(minutes=30),
}


@dataclass(frozen=True, slots=True)
class AwaitingView:
    """What one person owes: the flow and what it is about."""

    kind: Owed
    reference: str


@dataclass(slots=True)
class _ReadAhead:
    telegram_id: int
    row: repo.OwedRow | None
    used: bool = False  # a flag, not a reset of the variable: tasks get copies of it


_read_ahead: ContextVar[_ReadAhead | None] = ContextVar("linli_owed_read_ahead", default=None)


@contextlib.contextmanager
def owed_on_arrival(telegram_id: int, row: repo.OwedRow | None) -> Iterator[None]:
    """Within the block (one update's handling), ``telegram_id`` owed ``row`` as the update's
    turn began: the call that began it read the row (services/chat_order.py, PostgreSQL),
    so the first ``AwaitingService.awaiting`` of the update needs no round trip of its own.
    Used once: any later read, and any read after this update changed what is owed, asks
    the database."""
    token = _read_ahead.set(_ReadAhead(telegram_id, row))
    try:
        yield
    finally:
        _read_ahead.reset(token)


def _take_read_ahead(telegram_id: int) -> tuple[bool, repo.OwedRow | None]:
    """The row read as the turn began, if there is one for ``telegram_id`` (forgotten now)."""
    ahead = _read_ahead.get()
    if ahead is None or ahead.used or ahead.telegram_id != telegram_id:
        return False, None
    ahead.used = True
    return True, ahead.row


def _forget_read_ahead(telegram_id: int) -> None:
    """What ``telegram_id`` owes is changing in this update: the row read ahead is old."""
    _take_read_ahead(telegram_id)


class AwaitingService:
    """Read, set and clear what each person owes linli next."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def awaiting(self, telegram_id: int) -> AwaitingView | None:
        """What ``telegram_id`` owes now (one primary-key read, or none when the update's
        turn read it: ``owed_on_arrival``); None when nothing, or when the wait has run
        out."""
        known, row = _take_read_ahead(telegram_id)
        if not known:
            row = await repo.peek_awaiting(self._db, telegram_id)
        owed = _still_owed(row.kind, row.expires_at, self._clock()) if row else None
        return None if owed is None or row is None else AwaitingView(owed, row.reference)

    async def expect(self, telegram_id: int, kind: Owed, reference: str = "") -> Owed | None:
        """From now on ``telegram_id`` owes ``kind`` about ``reference``; returns the other
        flow this replaced (None when they owed nothing, or the same flow)."""
        now = self._clock()
        wait = WAIT[kind]
        _forget_read_ahead(telegram_id)
        async with self._db.transaction() as session:
            before = await repo.get_awaiting(session, telegram_id)
            replaced = _still_owed(before.kind, before.expires_at, now) if before else None
            await repo.save_awaiting(
                session,
                telegram_id=telegram_id,
                kind=kind.value,
                reference=reference,
                expires_at=None if wait is None else now + wait,
                updated_at=now,
            )
        return None if replaced in (None, kind) else replaced

    async def done(self, telegram_id: int, *kinds: Owed) -> AwaitingView | None:
        """``telegram_id`` owes nothing any more (only if it was one of ``kinds``, when
        given); returns what they owed, if it was still owed."""
        _forget_read_ahead(telegram_id)
        async with self._db.transaction() as session:
            row = await repo.delete_awaiting(session, telegram_id, [k.value for k in kinds])
            if row is None or _still_owed(row.kind, row.expires_at, self._clock()) is None:
                return None
            return AwaitingView(Owed(row.kind), row.reference)

    async def expire(self, now: datetime) -> int:
        """Forget waits that ran out and draft flows whose draft is gone; returns how many
        (a scheduled job: the routing already ignores both)."""
        async with self._db.transaction() as session:
            return await repo.delete_lapsed(
                session, now, filing=Owed.FILING.value, broadcast=Owed.BROADCAST.value
            )


async def take_owed(
    session: AsyncSession, telegram_id: int, kind: Owed, now: datetime
) -> AwaitingView | None:
    """Inside the caller's transaction: ``telegram_id`` has answered ``kind``, which they owe
    no more; what they owed, or None when they did not owe it (or the wait ran out). Taken
    with the change the answer makes, so the answer is never used twice, nor lost."""
    _forget_read_ahead(telegram_id)
    row = await repo.delete_awaiting(session, telegram_id, [kind.value])
    if row is None or _still_owed(row.kind, row.expires_at, now) is None:
        return None
    return AwaitingView(kind, row.reference)


_KINDS = frozenset(owed.value for owed in Owed)


def _still_owed(kind: str, expires_at: datetime | None, now: datetime) -> Owed | None:
    """The flow of a stored row, unless its wait ran out (or the kind is unknown: a row of a
    newer linli, after a downgrade)."""
    if kind not in _KINDS:
        return None
    if expires_at is not None and expires_at < now:
        return None
    return Owed(kind)
