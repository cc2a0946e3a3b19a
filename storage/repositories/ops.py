"""Counts for operators' gauges (metrics): open and overdue tickets, the outbox's queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OPEN_STATUSES, OutboxMessage, Ticket
from storage.models.outbox import PRIORITY_BULK, OutboxStatus

_OPEN = sorted(status.value for status in OPEN_STATUSES)
# The outbox rows an operator watches: waiting, being sent, given up on (sent and cancelled
# rows only grow, and are read with `linli outbox counts`).
_QUEUED = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value, OutboxStatus.DEAD.value)


async def ping(session: AsyncSession) -> None:
    """One round trip to the database."""
    await session.execute(text("SELECT 1"))


async def open_tickets_by_category(session: AsyncSession) -> dict[str, int]:
    """Open tickets per category (categories without any are left out)."""
    stmt = (
        select(Ticket.category, func.count())
        .where(Ticket.status.in_(_OPEN))
        .group_by(Ticket.category)
    )
    return {category: int(count) for category, count in (await session.execute(stmt)).all()}


async def overdue_tickets_by_category(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Open tickets past a due time (as tickets.list_overdue decides), per category."""
    late_response = (Ticket.first_response_at.is_(None)) & (Ticket.response_due_at < now)
    stmt = (
        select(Ticket.category, func.count())
        .where(Ticket.status.in_(_OPEN), late_response | (Ticket.resolution_due_at < now))
        .where(Ticket.paused_at.is_(None))
        .group_by(Ticket.category)
    )
    return {category: int(count) for category, count in (await session.execute(stmt)).all()}


async def outbox_queue(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Outbox rows pending, sending and dead, keyed by (kind, status); kind is "personal"
    (status updates, staff cards) or "bulk" (notices, bulletins)."""
    bulk = OutboxMessage.priority >= PRIORITY_BULK
    stmt = (
        select(bulk, OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(_QUEUED))
        .group_by(bulk, OutboxMessage.status)
    )
    rows = (await session.execute(stmt)).all()
    return {("bulk" if is_bulk else "personal", status): int(n) for is_bulk, status, n in rows}
