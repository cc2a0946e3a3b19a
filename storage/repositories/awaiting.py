"""What each person owes linli next (storage.models.Awaiting).

Functions take the caller's session and never commit. Saving is one upsert, so two
messages of one person handled at once (even by two processes) leave one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Awaiting, FilingDraft, Notice, NoticeStatus, Resident

_CHANGES = ("kind", "reference", "expires_at", "updated_at", "chat_id", "message_id")


async def get_awaiting(session: AsyncSession, telegram_id: int) -> Awaiting | None:
    """The person's row (one primary-key read), expired or not."""
    return await session.get(Awaiting, telegram_id)


@dataclass(frozen=True, slots=True)
class OwedRow:
    kind: str
    reference: str
    expires_at: datetime | None


async def peek_awaiting(db: Database, telegram_id: int) -> OwedRow | None:
    """The person's row as cheaply as the database allows (Database.point_read): read on
    every private message, so it takes the database, not a session of a use case."""
    row = await db.point_read(
        "SELECT kind, reference, expires_at FROM awaiting WHERE telegram_id = :telegram_id",
        {"telegram_id": telegram_id},
    )
    if row is None:
        return None
    kind, reference, expires_at = row
    if isinstance(expires_at, str):  # SQLite's text, in UTC as UTCDateTime stores it
        expires_at = datetime.fromisoformat(expires_at)
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return OwedRow(str(kind), str(reference), expires_at)


async def save_awaiting(
    session: AsyncSession,
    *,
    telegram_id: int,
    kind: str,
    reference: str,
    expires_at: datetime | None,
    updated_at: datetime,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> None:
    """Set what the person owes, replacing whatever they owed before."""
    values = {
        "telegram_id": telegram_id,
        "kind": kind,
        "reference": reference,
        "expires_at": expires_at,
        "updated_at": updated_at,
        "chat_id": chat_id,
        "message_id": message_id,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Awaiting).values(values)
    replace = {name: stmt.excluded[name] for name in _CHANGES}
    await session.execute(stmt.on_conflict_do_update(index_elements=["telegram_id"], set_=replace))
    # The identity map may hold the old row (read earlier in this session): refresh it.
    cached = session.identity_map.get(session.identity_key(Awaiting, (telegram_id,)))
    if cached is not None:
        await session.refresh(cached)


async def delete_awaiting(
    session: AsyncSession, telegram_id: int, kinds: Sequence[str] = ()
) -> Awaiting | None:
    """Remove the person's row (only if it is of one of ``kinds``, when given); the row
    removed, or None."""
    stmt = delete(Awaiting).where(Awaiting.telegram_id == telegram_id)
    if kinds:
        stmt = stmt.where(Awaiting.kind.in_(kinds))
    removed = await session.scalar(stmt.returning(Awaiting))
    return removed


async def take_asked_in_chat(
    session: AsyncSession,
    *,
    kinds: Sequence[str],
    chat_id: int,
    now: datetime,
    telegram_id: int | None = None,
    message_id: int | None = None,
    reference: str | None = None,
) -> Awaiting | None:
    """Remove and return the unexpired row of one of ``kinds`` asked in ``chat_id``: the one
    asked by the message ``message_id``, or else the one ``telegram_id`` owes; give exactly
    one. With ``reference``, only a row about that (a ticket's id, say).
    One DELETE ... RETURNING, so two answers at once (even in two processes) take it once."""
    if (message_id is None) == (telegram_id is None):
        raise ValueError("give message_id or telegram_id")
    which = (
        Awaiting.telegram_id == telegram_id
        if message_id is None
        else Awaiting.message_id == message_id
    )
    alive = Awaiting.expires_at.is_(None) | (Awaiting.expires_at >= now)
    stmt = delete(Awaiting).where(
        Awaiting.kind.in_(kinds), Awaiting.chat_id == chat_id, which, alive
    )
    if reference is not None:
        stmt = stmt.where(Awaiting.reference == reference)
    taken: Awaiting | None = await session.scalar(stmt.returning(Awaiting))
    return taken


async def delete_lapsed(
    session: AsyncSession, now: datetime, *, filing: str, broadcast: str
) -> int:
    """Remove rows past their ``expires_at``, and the rows of the draft kinds ``filing`` and
    ``broadcast`` whose draft is gone; returns how many."""
    no_draft = ~Awaiting.telegram_id.in_(
        select(Resident.telegram_id).join(FilingDraft, FilingDraft.resident_id == Resident.id)
    )
    no_notice = ~Awaiting.telegram_id.in_(
        select(Notice.author_telegram_id).where(
            Notice.status == NoticeStatus.DRAFT.value, Notice.author_telegram_id.is_not(None)
        )
    )
    lapsed = (
        (Awaiting.expires_at.is_not(None) & (Awaiting.expires_at < now))
        | ((Awaiting.kind == filing) & no_draft)
        | ((Awaiting.kind == broadcast) & no_notice)
    )
    result = await session.execute(delete(Awaiting).where(lapsed).returning(Awaiting.telegram_id))
    return len(result.all())
