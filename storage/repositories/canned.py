"""Canned replies (storage.models.CannedReply). Functions take the caller's session and
never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CannedReply
from storage.repositories import names_a_row


async def list_in_use(
    session: AsyncSession,
    *,
    action: str | None = None,
    category: str | None = None,
    removed_too: bool = False,
) -> list[CannedReply]:
    """The texts not removed (``removed_too``: every text ever added), by action, then the
    category's own before those for every category, then oldest first; with ``category``,
    only that category's and the ones for all."""
    stmt = select(CannedReply)
    if not removed_too:
        stmt = stmt.where(CannedReply.removed_at.is_(None))
    if action is not None:
        stmt = stmt.where(CannedReply.action == action)
    if category is not None:
        stmt = stmt.where(or_(CannedReply.category == category, CannedReply.category.is_(None)))
    stmt = stmt.order_by(
        CannedReply.action,
        CannedReply.category.is_(None),
        CannedReply.category,
        CannedReply.id,
    )
    return list(await session.scalars(stmt))


async def get_in_use(session: AsyncSession, canned_id: int) -> CannedReply | None:
    """The text with this id unless it was removed."""
    row = await session.get(CannedReply, canned_id) if names_a_row(canned_id) else None
    return None if row is None or row.removed_at is not None else row


async def add(
    session: AsyncSession,
    *,
    action: str,
    category: str | None,
    text: str,
    created_at: datetime,
    created_by: int | None,
) -> CannedReply:
    row = CannedReply(
        action=action,
        category=category,
        text=text,
        sample=False,
        created_at=created_at,
        created_by=created_by,
    )
    session.add(row)
    await session.flush()
    return row
