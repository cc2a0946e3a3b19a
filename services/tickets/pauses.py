"""Waiting for the resident (挂起): staff pause a ticket's resolution clock while they wait
for information or access only the resident can give, and the clock runs again when the
resident answers (their next follow-up) or staff resume it.

While paused, nobody is chased: no reminders, no escalation, not shown as overdue; the
working time paused is added to the resolution due time when it resumes (clock.py). Each
step is one event in the trail; the resident is told what is needed, and that answering
resumes the work.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.errors import InvalidInput
from services.tickets import lifecycle, notify
from services.tickets import validation as check
from services.tickets.clock import end_pause, is_paused
from services.tickets.lifecycle import Action
from services.tickets.trail import TicketTrail
from services.tickets.views import StaffTicketView
from storage.models import EventKind, Resident, Ticket, TicketEvent


class AlreadyPaused(InvalidInput):
    """/pause on a ticket that is already waiting for the resident."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(f"ticket {number} is already waiting for the resident")


class NotPaused(InvalidInput):
    """/resume on a ticket whose clock is running."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(f"ticket {number} is not waiting for the resident")


class Pauses:
    """Staff pause and resume the resolution clock (the resident's follow-up resumes it too:
    ``resume_on_followup``)."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def pause(self, actor: Actor, number: str, need: str) -> StaffTicketView:
        """Stop the clock of an open ticket and tell the resident ``need`` (what we need from
        them); AlreadyPaused when it is stopped already."""
        need = check.message(need, "what is needed from the resident")
        async with self._trail.db.transaction() as session:
            staff, ticket = await staff_and_ticket(
                self._trail, session, actor, number, Action.PAUSE
            )
            if is_paused(ticket):
                raise AlreadyPaused(ticket.number)
            ticket.paused_at = self._trail.clock()
            event = await self._trail.record(
                session, ticket, staff, EventKind.PAUSE, public_message=need
            )
            params = {"number": ticket.number, "need": need}
            await notify.to_resident_and_followers(
                session, ticket, event, self._trail.settings, "ticket.paused", params
            )
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def resume(self, actor: Actor, number: str) -> StaffTicketView:
        """Run the clock again (the due time moves by the working time paused) and tell the
        resident the new expected time; NotPaused when it is running."""
        async with self._trail.db.transaction() as session:
            staff, ticket = await staff_and_ticket(
                self._trail, session, actor, number, Action.RESUME
            )
            if not is_paused(ticket):
                raise NotPaused(ticket.number)
            event = await _clock_runs(self._trail, session, ticket, staff, as_resident=False)
            params = {"number": ticket.number, "resolution_due_at": _due(ticket)}
            await notify.to_resident_and_followers(
                session, ticket, event, self._trail.settings, "ticket.resumed", params
            )
            return await self._trail.staff_view(session, ticket, actor, events=False)


async def staff_and_ticket(
    trail: TicketTrail, session: AsyncSession, actor: Actor, number: str, action: Action
) -> tuple[Resident, Ticket]:
    """The staff member asking from the desk and the ticket, locked, if ``action`` is
    allowed in its status (PermissionDenied, WrongPlace, NotFound, InvalidTransition)."""
    staff = await trail.staff(session, actor)
    ticket = await trail.ticket(session, number)
    lifecycle.check(ticket.number, action, ticket.status)
    return staff, ticket


async def _clock_runs(
    trail: TicketTrail, session: AsyncSession, ticket: Ticket, by: Resident, *, as_resident: bool
) -> TicketEvent:
    details = end_pause(ticket, trail.clock(), trail.calendar)
    return await trail.record(
        session, ticket, by, EventKind.RESUME, details=details, as_resident=as_resident
    )


async def resume_on_followup(
    trail: TicketTrail, session: AsyncSession, ticket: Ticket, resident: Resident
) -> None:
    """The resident answered a paused ticket: the clock runs again, recorded as their step,
    and the staff chat hears that the wait is over (their words came as the follow-up)."""
    if not is_paused(ticket):
        return
    event = await _clock_runs(trail, session, ticket, resident, as_resident=True)
    params = {"ticket_id": ticket.id, "number": ticket.number, "resolution_due_at": _due(ticket)}
    await notify.to_staff_chat(session, ticket, event, trail.settings, "staff.resumed", params)


def _due(ticket: Ticket) -> str:
    return ticket.resolution_due_at.isoformat()
