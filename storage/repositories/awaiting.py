"""What each person owes linli next (storage.models.Awaiting).

Functions take the caller's session and never commit. Saving is one upsert, so two
messages of one person handled at once (even by two processes) leave one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Awaiting, FilingDraft, Notice, NoticeStatus, Resident

_CHANGES = ("kind", "reference", "expires_at", "updated_at")


async def get_awaiting(session: AsyncSession, telegram_id: int) -> Awaiting | None:
    """The person's row (one primary-key read), expired or not."""
    return await session.get(Awaiting, telegram_id)


async def save_awaiting(
    session: AsyncSession,
    *,
    telegram_id: int,
    kind: str,
    reference: str,
    expires_at: datetime | None,
    updated_at: datetime,
) -> None:
    """Set what the person owes, replacing whatever they owed before."""
    values = {
        "telegram_id": telegram_id,
        "kind": kind,
        "reference": reference,
        "expires_at": expires_at,
        "updated_at": updated_at,
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
        (Awaiting.expires_at.is_not(None) & (Awaiting.expires_at <= now))
        | ((Awaiting.kind == filing) & no_draft)
        | ((Awaiting.kind == broadcast) & no_notice)
    )
    result = await session.execute(delete(Awaiting).where(lapsed).returning(Awaiting.telegram_id))
    return len(result.all())
