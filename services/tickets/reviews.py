"""Review of a rejection (申请复核): a resident contests 不予受理, an official decides.

The rejection message carries a button ("rv:ask:<ticket id>"). Pressing it asks for a
review: only the ticket's own resident, in their private chat, while the ticket is
rejected, within REVIEW_WITHIN working days of the rejection, once per ticket. The request
is one event in the trail (kind "review_asked"); every official and admin gets it
privately (as supervision reaches them), the staff chat is told, and the resident learns
by when an answer is due (REVIEW_ANSWER working days). An official then either reopens the
ticket to the desk (the redo path: reopened, counted as redone, the staff chat told with
the card's buttons) or upholds the rejection with a note the resident reads; either is one
event (kind "review_done") and the resident is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor, WrongPlace
from services.errors import InvalidInput, NotFound
from services.log_context import bind_ticket
from services.tickets import notify
from services.tickets import validation as check
from services.tickets.supervision import REVIEW_ANSWER, SUPERVISOR_ROLES, official
from services.tickets.trail import TicketTrail
from services.tickets.views import StaffTicketView
from storage.models import EventKind, Resident, Ticket, TicketEvent, TicketStatus
from storage.repositories import reminders as people_repo
from storage.repositories import tickets as repo

REVIEW_WITHIN = 15
"""Working days after the rejection during which the resident may ask for a review."""
_KINDS = [EventKind.TRANSITION.value, EventKind.REVIEW_ASKED.value, EventKind.REVIEW_DONE.value]


class Decision(StrEnum):
    """What the official decided (维持 / 重新受理)."""

    UPHELD = "upheld"
    REOPENED = "reopened"


class CannotReview(InvalidInput):
    """A review that cannot be asked for or decided now; nothing changed. ``reason``:
    "not_rejected", "already", "too_late" (asking); "not_asked", "decided" (deciding)."""

    def __init__(self, number: str, reason: str) -> None:
        self.number = number
        self.reason = reason
        super().__init__(f"no review of {number}: {reason}")


@dataclass(frozen=True, slots=True)
class ReviewAsked:
    """A review asked for: the ticket's number and when the answer is due."""

    number: str
    answer_due_at: datetime


class Reviews:
    """The resident's request and the official's decision."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def ask(self, actor: Actor, ticket_id: int) -> ReviewAsked:
        """The button under a rejection: the checks of the module docstring, then the
        request goes to the officials and into the trail."""
        if not actor.private:
            raise WrongPlace("private")
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            ticket = await repo.get_ticket(session, ticket_id, for_update=True)
            if ticket is None or ticket.resident_id != person.id:
                raise NotFound(f"ticket id {ticket_id}")  # someone else's: as if none
            bind_ticket(ticket.number)
            events = await repo.list_events_of_kinds(session, [ticket.id], _KINDS)
            self._check_may_ask(ticket, events)
            event = await self._trail.record(
                session, ticket, person, EventKind.REVIEW_ASKED, as_resident=True
            )
            due = self._trail.calendar.add_working_days(event.at, REVIEW_ANSWER)
            await self._route(session, ticket, event, due)
            return ReviewAsked(ticket.number, due)

    async def decide(
        self, actor: Actor, number: str, decision: Decision, note: str | None
    ) -> StaffTicketView:
        """An official or admin (private chat or staff chat) decides an open review: reopen
        to the desk (an optional note for the staff, who redo the work; the resident is told
        only that it is being redone), or uphold with a note the resident reads
        (required)."""
        if decision is Decision.UPHELD:
            note = check.reason(note or "", "the note")
        elif note is not None and note.strip():
            note = check.message(note, "the note")
        else:
            note = None
        async with self._trail.db.transaction() as session:
            person = await official(self._trail, session, actor, staff_chat_too=True)
            ticket = await self._trail.ticket(session, number)
            events = await repo.list_events_of_kinds(session, [ticket.id], _KINDS)
            kinds = [e.kind for e in events]
            if EventKind.REVIEW_ASKED not in kinds:
                raise CannotReview(ticket.number, "not_asked")
            if EventKind.REVIEW_DONE in kinds or ticket.status != TicketStatus.REJECTED:
                raise CannotReview(ticket.number, "decided")
            await self._apply(session, ticket, person, decision, note)
            return await self._trail.staff_view(session, ticket, actor, events=False)

    def _check_may_ask(self, ticket: Ticket, events: list[TicketEvent]) -> None:
        if any(e.kind == EventKind.REVIEW_ASKED for e in events):
            raise CannotReview(ticket.number, "already")
        if ticket.status != TicketStatus.REJECTED:
            raise CannotReview(ticket.number, "not_rejected")
        rejections = [e.at for e in events if e.to_status == TicketStatus.REJECTED]
        rejected_at = rejections[-1] if rejections else ticket.updated_at
        if self._trail.clock() > self._trail.calendar.add_working_days(rejected_at, REVIEW_WITHIN):
            raise CannotReview(ticket.number, "too_late")

    async def _route(
        self, session: AsyncSession, ticket: Ticket, event: TicketEvent, due: datetime
    ) -> None:
        """To every official and admin, privately (as supervision reaches them), and a word
        to the staff chat, whose rejection is being looked at."""
        settings = self._trail.settings
        params = {
            "ticket_id": ticket.id, "number": ticket.number, "category": ticket.category,
            "reason": ticket.reject_reason or "", "review_due_at": due.isoformat(),
        }  # fmt: skip
        buttons: notify.Buttons = [[{"key": "button.review.open", "data": f"sv:open:{ticket.id}"}]]
        for person in await people_repo.list_active_with_roles(session, SUPERVISOR_ROLES):
            await notify.to_person(
                session, ticket, event, person, settings, "staff.review_asked", params, buttons
            )
        await notify.to_staff_chat(
            session, ticket, event, settings, "staff.review_asked_desk", params
        )

    async def _apply(
        self, session: AsyncSession, ticket: Ticket, person: Resident, decision: Decision,
        note: str | None,
    ) -> None:  # fmt: skip
        reopen = decision is Decision.REOPENED
        if reopen:
            ticket.reject_reason = None
            ticket.redone_count = (ticket.redone_count or 0) + 1
        # A reopening's note is an instruction to the staff (an exploratory run found one
        # reaching the resident): kept in the trail as staff see it, never published.
        event = await self._trail.record(
            session, ticket, person, EventKind.REVIEW_DONE,
            to_status=TicketStatus.REOPENED.value if reopen else None,
            public_message=None if reopen else note,
            internal_note=note if reopen else None,
            details={"decision": decision.value},
        )  # fmt: skip
        params = {"number": ticket.number, "note": "" if reopen else note or ""}
        settings = self._trail.settings
        await notify.to_resident_and_followers(
            session, ticket, event, settings, f"ticket.review_{decision.value}", params,
            followers=notify.follower_news(ticket) if reopen else None,
        )  # fmt: skip
        if reopen:
            await notify.to_staff_chat(
                session, ticket, event, settings, "staff.review_reopened",
                {"ticket_id": ticket.id, "number": ticket.number, "category": ticket.category,
                 "note": note or "—", "times": ticket.redone_count},
                buttons=notify.staff_buttons(ticket.id, ticket.status),
            )  # fmt: skip
