"""Bulletin definitions, the scheduler's due list, and the ticket counts bulletins quote.

Functions take the caller's session and never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Bulletin, Ticket
from storage.repositories import names_a_row

BULLETIN_NAMES_LOCK_KEY = int.from_bytes(b"linli:bn", "big")
"""The advisory lock that serialises defining bulletins ("linli:bn" as a signed 64-bit
integer)."""


async def lock_names(session: AsyncSession) -> None:
    """Hold the bulletin names until the transaction ends, so that two transactions that
    each find a name free cannot both define it (several processes start at once and each
    defines the default disclosure bulletin). On SQLite a writing transaction already
    holds the whole database."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": BULLETIN_NAMES_LOCK_KEY}
        )


async def add_bulletin(session: AsyncSession, **fields: Any) -> Bulletin:
    """Insert a bulletin (fields as in storage.models.Bulletin) and return it with its id."""
    bulletin = Bulletin(**fields)
    session.add(bulletin)
    await session.flush()
    return bulletin


async def get_bulletin(session: AsyncSession, bulletin_id: int) -> Bulletin | None:
    """The bulletin with this id (removed ones included), or None."""
    return await session.get(Bulletin, bulletin_id) if names_a_row(bulletin_id) else None


async def list_bulletins(session: AsyncSession) -> list[Bulletin]:
    """Bulletins that were not removed, by id."""
    stmt = select(Bulletin).where(Bulletin.removed_at.is_(None)).order_by(Bulletin.id)
    return list(await session.scalars(stmt))


async def list_due_bulletins(session: AsyncSession, *, now: datetime) -> list[Bulletin]:
    """Bulletins (not removed) whose next run is at or before ``now``, earliest first."""
    stmt = (
        select(Bulletin)
        .where(Bulletin.removed_at.is_(None), Bulletin.next_run_at <= now)
        .order_by(Bulletin.next_run_at, Bulletin.id)
    )
    return list(await session.scalars(stmt))


async def advance_bulletin(
    session: AsyncSession,
    bulletin_id: int,
    *,
    expected_next: datetime,
    next_run_at: datetime,
    now: datetime,
) -> bool:
    """Move a due bulletin to its next run; False if another run already moved it.

    Conditional on the next run time the caller read, so two schedulers run it once.
    """
    result = await session.execute(
        update(Bulletin)
        .where(
            Bulletin.id == bulletin_id,
            Bulletin.next_run_at == expected_next,
            Bulletin.removed_at.is_(None),
        )
        .values(next_run_at=next_run_at, last_run_at=now)
        .returning(Bulletin.id)
    )
    return result.first() is not None


# --- ticket counts for live figures ---------------------------------------------------------


async def count_received(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Tickets filed in [start, end)."""
    stmt = select(func.count()).where(Ticket.created_at >= start, Ticket.created_at < end)
    return int(await session.scalar(stmt) or 0)


async def count_resolved(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Tickets resolved in [start, end)."""
    stmt = select(func.count()).where(Ticket.resolved_at >= start, Ticket.resolved_at < end)
    return int(await session.scalar(stmt) or 0)


async def count_open(session: AsyncSession, statuses: list[str]) -> int:
    """Tickets in one of ``statuses`` right now."""
    stmt = select(func.count()).where(Ticket.status.in_(statuses))
    return int(await session.scalar(stmt) or 0)


async def received_by_category(
    session: AsyncSession, start: datetime, end: datetime, *, limit: int
) -> list[tuple[str, int]]:
    """The categories with the most tickets filed in [start, end), most first."""
    count = func.count().label("n")
    stmt = (
        select(Ticket.category, count)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
        .group_by(Ticket.category)
        .order_by(count.desc(), Ticket.category)
        .limit(limit)
    )
    return [(category, int(n)) for category, n in (await session.execute(stmt)).all()]


async def rating_counts(
    session: AsyncSession, start: datetime, end: datetime, *, satisfied_from: int
) -> tuple[int, int]:
    """(ratings, satisfied ratings) of tickets resolved in [start, end).

    A rating is satisfied when its score is at least ``satisfied_from``.
    """
    satisfied = func.count().filter(Ticket.rating_score >= satisfied_from)
    stmt = select(func.count(), satisfied).where(
        Ticket.resolved_at >= start,
        Ticket.resolved_at < end,
        Ticket.rating_score.is_not(None),
    )
    rated, happy = (await session.execute(stmt)).one()
    return int(rated), int(happy)
