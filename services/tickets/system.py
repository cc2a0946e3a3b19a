"""What linli itself does to tickets, with nobody asking: the scheduler's and the delivery
worker's use cases.

Draft upkeep: ``expire_drafts`` drops drafts left idle and tells their owners. Resolved
tickets nobody rated close by themselves, recorded as the system's action. The delivery
worker records the forum topic it opened for a ticket's card. No method checks a caller:
none is reachable from a person's message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from services.draft_expiry import tell_owners
from services.errors import NotFound
from services.tickets.lifecycle import Action
from services.tickets.trail import TicketTrail
from services.tickets.views import StaffTicketView
from storage.models import FilingDraft, Resident, TicketStatus
from storage.repositories import tickets as repo


class SystemTickets:
    """Ticket upkeep run by the scheduler and the delivery worker."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def expire_drafts(self, now: datetime, idle: timedelta) -> tuple[int, ...]:
        """Forget drafts untouched for longer than ``idle`` before ``now`` and queue a
        "filing.expired" message to each owner, in one transaction; returns the owners'
        Telegram ids.

        The age is re-checked in the DELETE itself, so a resident typing at that very moment
        (which moves ``updated_at``) keeps their draft; the message goes through the outbox so
        that it is sent (and retried) even if linli stops right after the commit.
        """
        cutoff = now - idle
        async with self._trail.db.transaction() as session:
            result = await session.execute(
                delete(FilingDraft)
                .where(FilingDraft.updated_at < cutoff)
                .returning(FilingDraft.resident_id, FilingDraft.created_at)
            )
            started = {resident_id: created_at for resident_id, created_at in result}
            if not started:
                return ()
            stmt = select(Resident).where(Resident.id.in_(started)).order_by(Resident.telegram_id)
            owners = list(await session.scalars(stmt))
            await tell_owners(
                session,
                [(p, f"draft:{p.id}:{started[p.id].isoformat()}:expired") for p in owners],
                message_key="filing.expired",
                idle=idle,
                default_language=self._trail.settings.default_language,
                now=now,
            )
            return tuple(person.telegram_id for person in owners)

    async def close_unrated(self, now: datetime) -> int:
        """Close tickets resolved more than ``auto_close_days`` before ``now`` that nobody
        rated (scheduler); returns how many were closed. Each closes in its own transaction,
        re-checked, so a rating arriving at the same moment wins cleanly."""
        days = self._trail.settings.auto_close_days
        cutoff = now - timedelta(days=days)
        async with self._trail.db.transaction() as session:
            numbers = [t.number for t in await repo.list_resolved_before(session, cutoff)]
        closed = 0
        for number in numbers:
            async with self._trail.db.transaction() as session:
                ticket = await repo.get_ticket_by_number(session, number, for_update=True)
                if ticket is None or ticket.status != TicketStatus.RESOLVED:
                    continue
                if ticket.resolved_at is None or ticket.resolved_at >= cutoff:
                    continue
                event = await self._trail.change_status(session, ticket, None, Action.CLOSE, None)
                event.details = {"reason": "unrated", "days": days}
                await self._trail.announce(session, ticket, event, None)
                closed += 1
        return closed

    async def list_overdue(self) -> tuple[StaffTicketView, ...]:
        """Open tickets past a due time at the service clock's now (scheduler; no caller)."""
        async with self._trail.db.transaction() as session:
            rows = await repo.list_overdue(session, self._trail.clock())
            return await self._trail.staff_views(session, rows, None)

    async def staff_thread(self, ticket_id: int) -> int | None:
        """The ticket's forum topic in the staff chat, if one was recorded (delivery worker;
        no caller: asked before opening a topic, so a retried card opens no second one)."""
        async with self._trail.db.transaction() as session:
            ticket = await repo.get_ticket(session, ticket_id)
            if ticket is None:
                raise NotFound(f"ticket id {ticket_id}")
            return ticket.staff_thread_id

    async def set_staff_thread(self, ticket_id: int, thread_id: int) -> int:
        """Record the forum topic opened for a ticket in the staff chat (delivery worker; no
        caller). The first topic recorded wins, so two workers racing to open one agree;
        returns the topic in effect. NotFound for an unknown ticket id."""
        async with self._trail.db.transaction() as session:
            ticket = await repo.get_ticket(session, ticket_id, for_update=True)
            if ticket is None:
                raise NotFound(f"ticket id {ticket_id}")
            if ticket.staff_thread_id is None:
                ticket.staff_thread_id = thread_id
            return ticket.staff_thread_id
