"""Reads behind the scheduled reminders: quiet tickets, tickets near their limit, people.

Functions take the caller's session and never commit. ``add_messages`` is the outbox's
``add_message`` for many rows at once: the first run of a day escalates every overdue ticket
to every official, and one round trip per row held SQLite's write lock for seconds (2,000
tickets: 6.5 s row by row, 0.5 s with add_messages, on our 2-core machines).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    OPEN_STATUSES,
    PRIORITY_PERSONAL,
    EventKind,
    OutboxMessage,
    OutboxStatus,
    Resident,
    Role,
    Ticket,
    TicketEvent,
)

_OPEN = [s.value for s in OPEN_STATUSES]
_CHUNK = 500  # rows per INSERT: 17 columns stay far below SQLite's bound-parameter limit
_ROW_DEFAULTS: dict[str, Any] = {
    "telegram_id": None,
    "buttons": None,
    "photos": None,
    "thread_id": None,
    "reply_to_message_id": None,
    "priority": PRIORITY_PERSONAL,
    "status": OutboxStatus.PENDING.value,
    "attempts": 0,
    "ticket_id": None,
}
UPDATE_KINDS = (EventKind.TRANSITION.value, EventKind.REPLY.value, EventKind.RATING.value)
"""Events that count as news about a ticket: filing, status changes, replies and ratings.
A resident's own follow-up is not news to them, and notes and assignments are internal."""


@dataclass(frozen=True, slots=True)
class QuietTicket:
    """An open ticket, its filer, and its latest update (the event id and time)."""

    ticket: Ticket
    filer: Resident
    last_event_id: int
    last_update_at: datetime


async def list_quiet_open_tickets(
    session: AsyncSession, updated_before: datetime
) -> list[QuietTicket]:
    """Open, running (not paused) tickets of active filers whose latest update is older than
    ``updated_before``."""
    latest = (
        select(
            TicketEvent.ticket_id.label("ticket_id"),
            func.max(TicketEvent.id).label("event_id"),
            func.max(TicketEvent.at).label("at"),
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.status.in_(_OPEN), TicketEvent.kind.in_(UPDATE_KINDS))
        .group_by(TicketEvent.ticket_id)
        .subquery()
    )
    stmt = (
        select(Ticket, Resident, latest.c.event_id, latest.c.at)
        .join(latest, latest.c.ticket_id == Ticket.id)
        .join(Resident, Resident.id == Ticket.resident_id)
        .where(latest.c.at < updated_before, Resident.active.is_(True))
        .where(Ticket.paused_at.is_(None))  # waiting for the resident: no reminders
        .order_by(Ticket.id)
    )
    rows = await session.execute(stmt)
    return [QuietTicket(ticket, filer, event_id, at) for ticket, filer, event_id, at in rows]


async def list_open_due_between(
    session: AsyncSession, after: datetime, until: datetime
) -> list[tuple[Ticket, Resident]]:
    """Open, running (not paused) tickets of active filers whose resolution is due in
    (after, until], soonest first."""
    stmt = (
        select(Ticket, Resident)
        .join(Resident, Resident.id == Ticket.resident_id)
        .where(
            Ticket.status.in_(_OPEN),
            Ticket.resolution_due_at > after,
            Ticket.resolution_due_at <= until,
            Ticket.paused_at.is_(None),
            Resident.active.is_(True),
        )
        .order_by(Ticket.resolution_due_at, Ticket.id)
    )
    return [(ticket, filer) for ticket, filer in await session.execute(stmt)]


async def residents_by_telegram_id(
    session: AsyncSession, telegram_ids: Iterable[int]
) -> dict[int, Resident]:
    """The residents with these Telegram ids (active or not), by id; unknown ids are absent."""
    wanted = sorted(set(telegram_ids))
    if not wanted:
        return {}
    stmt = select(Resident).where(Resident.telegram_id.in_(wanted))
    return {person.telegram_id: person for person in await session.scalars(stmt)}


async def list_active_with_roles(session: AsyncSession, roles: Iterable[Role]) -> list[Resident]:
    """Active people holding any of ``roles``, by id (e.g. officials and admins)."""
    stmt = (
        select(Resident)
        .where(Resident.role.in_(list(roles)), Resident.active.is_(True))
        .order_by(Resident.id)
    )
    return list(await session.scalars(stmt))


async def add_messages(
    session: AsyncSession, messages: Sequence[dict[str, Any]], now: datetime
) -> int:
    """Queue outbox rows (``chat_id``, ``language``, ``message_key``, ``params``,
    ``idempotency_key`` and optionally the other OutboxMessage columns), due at ``now``.

    A row whose idempotency key is already queued is skipped, as with ``add_message``;
    returns how many rows were inserted.
    """
    keys = [message["idempotency_key"] for message in messages]
    queued: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        known = select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.in_(chunk)
        )
        queued.update(await session.scalars(known))
    rows = [
        {**_ROW_DEFAULTS, "next_attempt_at": now, "created_at": now, **message}
        for message in messages
        if message["idempotency_key"] not in queued
    ]
    if not rows:
        return 0
    table = cast(Table, OutboxMessage.__table__)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # Core executemany (one cached statement, rows batched by the driver) rather than the
    # ORM's bulk path; ON CONFLICT still guards keys queued since the SELECT above.
    stmt = insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
    result = await session.execute(stmt.returning(table.c.id), rows)
    return len(result.all())
