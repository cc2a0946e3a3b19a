"""Bans of residents (storage.models.ResidentBan).

Functions take the caller's session and never commit, except ``is_banned`` and
``banned_telegram_ids``, which take the database: one is read on every question and filing
(Database.point_read), the other whenever ``CHANNEL`` says the bans changed (PostgreSQL:
revision 0018's trigger announces every change to the table, on commit).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Resident, ResidentBan, Ticket

CHANNEL = "linli_bans"


async def banned_telegram_ids(db: Database) -> frozenset[int]:
    """The Telegram ids of everyone with a ban in force (a short list: bans are rare)."""
    async with db.reading() as session:
        rows = await session.scalars(
            select(Resident.telegram_id)
            .join(ResidentBan, ResidentBan.resident_id == Resident.id)
            .where(ResidentBan.lifted_at.is_(None))
        )
        return frozenset(int(telegram_id) for telegram_id in rows)


async def is_banned(db: Database, telegram_id: int) -> bool:
    """Whether a ban of this person is in force (two index look-ups, no session)."""
    row = await db.point_read(
        "SELECT b.id FROM resident_bans b JOIN residents r ON r.id = b.resident_id "
        "WHERE r.telegram_id = :telegram_id AND b.lifted_at IS NULL",
        {"telegram_id": telegram_id},
    )
    return row is not None


async def get_ban_in_force(
    session: AsyncSession, resident_id: int, *, masked: bool, for_update: bool = False
) -> ResidentBan | None:
    """The resident's ban in force made through an anonymous ticket (``masked``) or the
    other way, or None."""
    stmt = select(ResidentBan).where(
        ResidentBan.resident_id == resident_id,
        ResidentBan.lifted_at.is_(None),
        ResidentBan.masked.is_(masked),
    )
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def add_ban(
    session: AsyncSession,
    *,
    resident_id: int,
    at: datetime,
    by: int | None,
    reason: str,
    ticket_id: int | None,
    masked: bool = False,
) -> ResidentBan:
    """Record a new ban in force (the caller checked there is none of its kind: the unique
    index on bans in force refuses a second one)."""
    ban = ResidentBan(resident_id=resident_id, banned_at=at, banned_by=by, reason=reason)
    ban.ticket_id, ban.masked = ticket_id, masked
    session.add(ban)
    await session.flush()
    return ban


async def list_bans_in_force(
    session: AsyncSession,
) -> list[tuple[ResidentBan, Resident, Ticket | None]]:
    """Every ban in force with its resident and the ticket it came through, newest first."""
    stmt = (
        select(ResidentBan, Resident, Ticket)
        .join(Resident, Resident.id == ResidentBan.resident_id)
        .outerjoin(Ticket, Ticket.id == ResidentBan.ticket_id)
        .where(ResidentBan.lifted_at.is_(None))
        .order_by(ResidentBan.banned_at.desc(), ResidentBan.id.desc())
    )
    return [(ban, person, ticket) for ban, person, ticket in (await session.execute(stmt)).all()]
