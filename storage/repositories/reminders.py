"""Reads behind the scheduled reminders: quiet tickets, tickets near their limit, people.

Functions take the caller's session and never commit; the outbox rows the reminders queue
are written with ``storage.repositories.outbox.add_message``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OPEN_STATUSES, EventKind, Resident, Role, Ticket, TicketEvent

_OPEN = [s.value for s in OPEN_STATUSES]
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
    """Open tickets of active filers whose latest update is older than ``updated_before``."""
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
        .order_by(Ticket.id)
    )
    rows = await session.execute(stmt)
    return [QuietTicket(ticket, filer, event_id, at) for ticket, filer, event_id, at in rows]


async def list_open_due_between(
    session: AsyncSession, after: datetime, until: datetime
) -> list[tuple[Ticket, Resident]]:
    """Open tickets of active filers whose resolution is due in (after, until], soonest first."""
    stmt = (
        select(Ticket, Resident)
        .join(Resident, Resident.id == Ticket.resident_id)
        .where(
            Ticket.status.in_(_OPEN),
            Ticket.resolution_due_at > after,
            Ticket.resolution_due_at <= until,
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
