"""Tickets, their events and followers, and the per-month ticket numbers.

Functions take the caller's session and never commit. Which status may follow which is a
service rule; this module only reads and writes rows. ``for_update`` locks the ticket row on
PostgreSQL so two staff pressing buttons at once apply their changes one after the other
(SQLite transactions are already serialised by BEGIN IMMEDIATE).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from storage.models import (
    OPEN_STATUSES,
    EventKind,
    FilingDraft,
    Resident,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketSequence,
    TicketStatus,
)
from storage.repositories import names_a_row

_OPEN = [s.value for s in OPEN_STATUSES]


@lru_cache(maxsize=4)
def _next_number_statement(dialect: str) -> ReturningInsert[Any]:
    """The counter upsert, built once per dialect; period and start value come at execution."""
    table = cast(Table, TicketSequence.__table__)
    bump = {"last_value": table.c.last_value + 1}
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(table)
        return pg_stmt.on_conflict_do_update(index_elements=["period"], set_=bump).returning(
            table.c.last_value
        )
    lite_stmt = sqlite.insert(table)
    return lite_stmt.on_conflict_do_update(index_elements=["period"], set_=bump).returning(
        table.c.last_value
    )


async def next_sequence_value(session: AsyncSession, period: str) -> int:
    """Take the next number of ``period`` (e.g. "2611"): 1 for the month's first ticket.

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: atomic on both databases, and on
    PostgreSQL the row lock makes concurrent filers wait for each other's commit, so no two
    transactions ever get the same value. Call it late in the transaction to hold that lock
    briefly.
    """
    stmt = _next_number_statement(session.get_bind().dialect.name)
    result = await session.execute(stmt, {"period": period, "last_value": 1})
    return int(result.scalar_one())


async def add_ticket(session: AsyncSession, **fields: Any) -> Ticket:
    """Insert a ticket (columns as keyword arguments); flushed so it has its id."""
    ticket = Ticket(**fields)
    session.add(ticket)
    await session.flush()
    return ticket


async def get_ticket(
    session: AsyncSession, ticket_id: int, *, for_update: bool = False
) -> Ticket | None:
    """The ticket with this id, or None."""
    if not names_a_row(ticket_id):
        return None
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def get_ticket_by_number(
    session: AsyncSession, number: str, *, for_update: bool = False
) -> Ticket | None:
    """The ticket with this number ("2611-0042"), or None."""
    stmt = select(Ticket).where(Ticket.number == number)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def add_event(session: AsyncSession, **fields: Any) -> TicketEvent:
    """Append one event to a ticket's trail; flushed so it has its id (idempotency keys)."""
    event = TicketEvent(**fields)
    session.add(event)
    await session.flush()
    return event


async def list_events(session: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    """A ticket's events, oldest first."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return list(await session.scalars(stmt))


async def count_events(session: AsyncSession) -> int:
    """How many events exist in all (tests and figures)."""
    return int(await session.scalar(select(func.count()).select_from(TicketEvent)) or 0)


async def add_follower(
    session: AsyncSession, ticket_id: int, resident_id: int, now: datetime
) -> bool:
    """Make a resident follow a ticket; False if they already did."""
    values = {"ticket_id": ticket_id, "resident_id": resident_id, "since": now}
    if session.get_bind().dialect.name == "postgresql":
        pg_stmt = postgresql.insert(TicketFollower).values(values).on_conflict_do_nothing()
        result = await session.execute(pg_stmt.returning(TicketFollower.ticket_id))
    else:
        lite_stmt = sqlite.insert(TicketFollower).values(values).on_conflict_do_nothing()
        result = await session.execute(lite_stmt.returning(TicketFollower.ticket_id))
    return result.first() is not None


async def list_followers(session: AsyncSession, ticket_id: int) -> list[Resident]:
    """The residents following a ticket (not its filer), in the order they started."""
    stmt = (
        select(Resident)
        .join(TicketFollower, TicketFollower.resident_id == Resident.id)
        .where(TicketFollower.ticket_id == ticket_id)
        .order_by(TicketFollower.since, Resident.id)
    )
    return list(await session.scalars(stmt))


async def move_followers(
    session: AsyncSession, from_ticket_id: int, to_ticket_id: int, now: datetime
) -> int:
    """Move every follower of one ticket to another (merge); returns how many moved."""
    moved = 0
    for resident in await list_followers(session, from_ticket_id):
        moved += await add_follower(session, to_ticket_id, resident.id, now)
    await session.execute(delete(TicketFollower).where(TicketFollower.ticket_id == from_ticket_id))
    return moved


async def list_open_in_category(
    session: AsyncSession, category: str, *, limit: int = 200
) -> list[Ticket]:
    """Open tickets of one category, newest first (the duplicate check)."""
    stmt = (
        select(Ticket)
        .where(Ticket.category == category, Ticket.status.in_(_OPEN))
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def list_for_resident(
    session: AsyncSession, resident_id: int, *, limit: int = 20
) -> list[Ticket]:
    """A resident's own tickets, newest first."""
    stmt = (
        select(Ticket)
        .where(Ticket.resident_id == resident_id)
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def list_followed(
    session: AsyncSession, resident_id: int, *, limit: int = 20
) -> list[Ticket]:
    """The tickets a resident follows (a "me too", or a merge of theirs), newest first."""
    stmt = (
        select(Ticket)
        .join(TicketFollower, TicketFollower.ticket_id == Ticket.id)
        .where(TicketFollower.resident_id == resident_id)
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def list_open(
    session: AsyncSession,
    *,
    assignee_telegram_id: int | None = None,
    limit: int = 50,
    unit_id: str | None = None,
) -> list[Ticket]:
    """Open tickets by resolution due time (the staff queue), optionally one assignee's, or
    one unit's."""
    stmt = select(Ticket).where(Ticket.status.in_(_OPEN))
    if assignee_telegram_id is not None:
        stmt = stmt.where(Ticket.assignee_telegram_id == assignee_telegram_id)
    if unit_id is not None:
        stmt = stmt.where(Ticket.unit_id == unit_id)
    stmt = stmt.order_by(Ticket.resolution_due_at, Ticket.id).limit(limit)
    return list(await session.scalars(stmt))


async def list_overdue(session: AsyncSession, now: datetime) -> list[Ticket]:
    """Open tickets past a due time: no first response by response_due_at, or unresolved by
    resolution_due_at; most overdue first. Paused tickets (waiting for the resident) are
    not."""
    late_response = (Ticket.first_response_at.is_(None)) & (Ticket.response_due_at < now)
    stmt = (
        select(Ticket)
        .where(Ticket.status.in_(_OPEN), late_response | (Ticket.resolution_due_at < now))
        .where(Ticket.paused_at.is_(None))  # the clock is stopped: nobody is chased
        .order_by(Ticket.resolution_due_at, Ticket.id)
    )
    return list(await session.scalars(stmt))


async def list_resolved_before(session: AsyncSession, cutoff: datetime) -> list[Ticket]:
    """Resolved tickets whose resolution is older than ``cutoff`` (no rating came)."""
    stmt = (
        select(Ticket)
        .where(Ticket.status == TicketStatus.RESOLVED.value, Ticket.resolved_at < cutoff)
        .order_by(Ticket.id)
    )
    return list(await session.scalars(stmt))


async def set_staff_thread(session: AsyncSession, ticket_id: int, thread_id: int) -> bool:
    """Remember the staff-chat forum topic opened for a ticket; False for an unknown id."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(staff_thread_id=thread_id)
        .returning(Ticket.id)
    )
    return result.first() is not None


async def get_draft(session: AsyncSession, resident_id: int) -> FilingDraft | None:
    """The resident's filing draft, or None when they are not filing."""
    return await session.get(FilingDraft, resident_id, populate_existing=True)


async def save_draft(
    session: AsyncSession, resident_id: int, now: datetime, **fields: Any
) -> FilingDraft:
    """Create or change the resident's draft; unnamed columns keep their values."""
    draft = await get_draft(session, resident_id)
    if draft is None:
        draft = FilingDraft(resident_id=resident_id, created_at=now, photos=[], **fields)
        session.add(draft)
    else:
        for name, value in fields.items():
            setattr(draft, name, value)
    draft.updated_at = now
    await session.flush()
    return draft


async def delete_draft(session: AsyncSession, resident_id: int) -> bool:
    """Forget the resident's draft; False when there was none."""
    result = await session.execute(
        delete(FilingDraft)
        .where(FilingDraft.resident_id == resident_id)
        .returning(FilingDraft.resident_id)
    )
    return result.first() is not None


async def list_callback_candidates(session: AsyncSession, *, limit: int = 500) -> list[Ticket]:
    """Tickets that may need a callback (回访): resolved and not rated, or rated "not
    solved" and open again; oldest resolution first. The service decides which are due."""
    unrated = Ticket.status == TicketStatus.RESOLVED.value  # a rating closes or reopens it
    not_solved = Ticket.rating_solved.is_(False) & Ticket.status.in_(_OPEN)
    stmt = select(Ticket).where(unrated | not_solved).order_by(Ticket.updated_at, Ticket.id)
    return list(await session.scalars(stmt.limit(limit)))


async def list_events_of_kinds(
    session: AsyncSession, ticket_ids: list[int], kinds: list[str]
) -> list[TicketEvent]:
    """The events of ``kinds`` of several tickets, oldest first."""
    if not ticket_ids:
        return []
    stmt = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind.in_(kinds))
        .order_by(TicketEvent.id)
    )
    return list(await session.scalars(stmt))


async def list_reviews_awaiting(session: AsyncSession) -> list[tuple[Ticket, datetime]]:
    """Rejected tickets whose resident asked for a review (申请复核) that no official has
    decided yet, with when it was asked; oldest request first."""
    asked = (
        select(TicketEvent.ticket_id, func.max(TicketEvent.at).label("asked_at"))
        .where(TicketEvent.kind == EventKind.REVIEW_ASKED.value)
        .group_by(TicketEvent.ticket_id)
        .subquery()
    )
    decided = select(TicketEvent.id).where(
        TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == EventKind.REVIEW_DONE.value
    )
    stmt = (
        select(Ticket, asked.c.asked_at)
        .join(asked, asked.c.ticket_id == Ticket.id)
        .where(Ticket.status == TicketStatus.REJECTED.value, ~decided.exists())
        .order_by(asked.c.asked_at, Ticket.id)
    )
    return [(ticket, at) for ticket, at in (await session.execute(stmt)).all()]


async def list_supervised_open(session: AsyncSession) -> list[Ticket]:
    """Open tickets an official flagged for supervision (督办), soonest due first."""
    stmt = (
        select(Ticket)
        .where(Ticket.supervised_at.is_not(None), Ticket.status.in_(_OPEN))
        .order_by(Ticket.resolution_due_at, Ticket.id)
    )
    return list(await session.scalars(stmt))
