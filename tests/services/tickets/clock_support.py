"""What extension and pause tests read back: the ticket's row, its trail and outbox, and a
snapshot of everything a refused request must leave unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.models import OutboxMessage, Ticket, TicketEvent, TicketExtension
from tests.services.conftest import Desk

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment in 2026, Shanghai time (November unless told)."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


async def ticket(desk: Desk, number: str) -> Ticket:
    async with desk.db.transaction() as session:
        row = (await session.scalars(select(Ticket).where(Ticket.number == number))).one()
        return row


async def events(desk: Desk, number: str) -> list[TicketEvent]:
    async with desk.db.transaction() as session:
        stmt = (
            select(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.number == number)
            .order_by(TicketEvent.id)
        )
        return list(await session.scalars(stmt))


async def outbox(desk: Desk, prefix: str = "") -> list[OutboxMessage]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [r for r in rows if r.message_key.startswith(prefix)]


async def snapshot(desk: Desk, number: str) -> dict[str, Any]:
    """Everything a refused extension or pause must leave as it was."""
    row = await ticket(desk, number)
    async with desk.db.transaction() as session:
        requests = [
            (r.status, r.to_due_at, r.decided_by)
            for r in await session.scalars(select(TicketExtension).order_by(TicketExtension.id))
        ]
    return {
        "due": row.resolution_due_at,
        "paused_at": row.paused_at,
        "status": row.status,
        "updated_at": row.updated_at,
        "events": len(await events(desk, number)),
        "outbox": len(await outbox(desk)),
        "requests": requests,
    }
