"""Callbacks (回访) and redo (退回重办): staff phone residents about handled tickets.

Which tickets are due a call is one rule, ``callback_reason``:

- *unrated*: resolved, and the resident has not answered the rating question within
  CALLBACK_AFTER (two days) of the (last) resolution;
- *not_solved*: the resident rated it "not solved" (it is open again);
- *recorded*: recorded by staff on behalf of a resident who phoned or walked in (no
  Telegram rating can come), as soon as it is resolved (``recorded_on_behalf``: the
  ticket's ``channel`` is not "telegram", services/tickets/on_behalf.py).

A ticket leaves the list once a call reached the resident after the moment it became due
(its resolution, or the "not solved" rating); "unreachable" keeps it listed. The outcome of
a call is one event in the trail (kind "callback"): *satisfied* closes a resolved ticket;
*not satisfied* sends it back to be redone (reopened if it was resolved, ``redone_count``
+1, the staff chat told with the card's buttons); *unreachable* records the try.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.errors import InvalidInput, NotFound
from services.log_context import bind_ticket
from services.tickets import notify
from services.tickets import validation as check
from services.tickets.trail import TicketTrail
from services.tickets.views import StaffTicketView
from storage.models import (
    OPEN_STATUSES,
    EventKind,
    Resident,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from storage.repositories import tickets as repo

CALLBACK_AFTER = timedelta(days=2)
"""A resolved ticket the resident has not rated after this long is due a call."""
TELEGRAM_CHANNEL = "telegram"


class CallbackOutcome(StrEnum):
    """What the call found (满意 / 不满意 / 联系不上)."""

    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"
    UNREACHABLE = "unreachable"


class NoCallbackDue(InvalidInput):
    """A callback on a ticket that is neither resolved nor due a call; nothing changed."""

    def __init__(self, number: str, status: str) -> None:
        self.number = number
        self.status = status
        super().__init__(f"no callback is due on {number} ({status})")


@dataclass(frozen=True, slots=True)
class CallbackDue:
    """One line of the callback list: the ticket, why it is due, and the last try."""

    ticket: StaffTicketView
    reason: str  # "unrated", "not_solved" or "recorded"
    last_outcome: str | None  # "unreachable" after a failed try, else None


@dataclass(frozen=True, slots=True)
class CallbackRecorded:
    """A recorded call: the ticket as it is now, and whether it went back to be redone."""

    ticket: StaffTicketView
    outcome: CallbackOutcome
    redone: bool


def recorded_on_behalf(ticket: Ticket) -> bool:
    """Whether staff recorded the ticket for a resident outside Telegram (代录): every
    channel but "telegram" makes a ticket due a call as soon as it is resolved."""
    return notify.recorded_for_someone(ticket)


def callback_reason(ticket: Ticket, events: Sequence[TicketEvent], now: datetime) -> str | None:
    """Why ``ticket`` is due a call as of ``now`` (see the module docstring), or None.

    ``events`` are the ticket's callback and rating events, oldest first.
    """
    status = TicketStatus(ticket.status)
    # Every resolution asks the rating question again and a rating moves the ticket on, so
    # a resolved ticket is unrated since its last resolution, whatever an earlier rating said.
    if status is TicketStatus.RESOLVED:
        since = ticket.resolved_at
        if recorded_on_behalf(ticket):
            reason = "recorded"
        elif since is not None and since <= now - CALLBACK_AFTER:
            reason = "unrated"
        else:
            return None
    elif ticket.rating_solved is False and status in OPEN_STATUSES:
        ratings = [e.at for e in events if e.kind == EventKind.RATING]
        since, reason = (ratings[-1] if ratings else None), "not_solved"
    else:
        return None
    reached = [
        e
        for e in events
        if e.kind == EventKind.CALLBACK
        and e.details.get("outcome") != CallbackOutcome.UNREACHABLE
        and (since is None or e.at >= since)
    ]
    return None if reached else reason


def _last_outcome(events: Sequence[TicketEvent]) -> str | None:
    calls = [e for e in events if e.kind == EventKind.CALLBACK]
    outcome = calls[-1].details.get("outcome") if calls else None
    return outcome if outcome == CallbackOutcome.UNREACHABLE else None


_KINDS = [EventKind.CALLBACK.value, EventKind.RATING.value]


class Callbacks:
    """The callback list and the outcome of each call (staff, in the staff chat)."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def list_due(self, actor: Actor, limit: int = 30) -> tuple[CallbackDue, ...]:
        """Tickets due a call, longest waiting first (/callbacks)."""
        async with self._trail.db.transaction() as session:
            await self._trail.staff(session, actor)
            now = self._trail.clock()
            candidates = await repo.list_callback_candidates(session)
            trails = await self._trails(session, [t.id for t in candidates])
            due: list[CallbackDue] = []
            for ticket in candidates:
                reason = callback_reason(ticket, trails.get(ticket.id, []), now)
                if reason is None:
                    continue
                view = await self._trail.staff_view(session, ticket, actor, events=False)
                due.append(CallbackDue(view, reason, _last_outcome(trails.get(ticket.id, []))))
                if len(due) >= limit:
                    break
            return tuple(due)

    async def record(
        self, actor: Actor, number: str, outcome: CallbackOutcome, note: str | None = None
    ) -> CallbackRecorded:
        """Record the outcome of a call on ``number`` (see the module docstring); a ticket
        neither resolved nor due a call is refused with NoCallbackDue."""
        note = None if note is None or not note.strip() else check.message(note, "the note")
        async with self._trail.db.transaction() as session:
            staff = await self._trail.staff(session, actor)
            ticket = await self._trail.ticket(session, number)
            return await self._record(session, actor, staff, ticket, outcome, note)

    async def record_by_id(
        self, actor: Actor, ticket_id: int, outcome: CallbackOutcome
    ) -> CallbackRecorded:
        """``record`` from a button of the callback list (buttons carry the id)."""
        async with self._trail.db.transaction() as session:
            staff = await self._trail.staff(session, actor)
            ticket = await repo.get_ticket(session, ticket_id, for_update=True)
            if ticket is None:
                raise NotFound(f"ticket id {ticket_id}")
            bind_ticket(ticket.number)
            return await self._record(session, actor, staff, ticket, outcome, None)

    async def _record(
        self,
        session: AsyncSession,
        actor: Actor,
        staff: Resident,
        ticket: Ticket,
        outcome: CallbackOutcome,
        note: str | None,
    ) -> CallbackRecorded:
        events = (await self._trails(session, [ticket.id])).get(ticket.id, [])
        resolved = ticket.status == TicketStatus.RESOLVED
        if not resolved and callback_reason(ticket, events, self._trail.clock()) is None:
            raise NoCallbackDue(ticket.number, ticket.status)
        now = self._trail.clock()
        to_status: str | None = None
        if outcome is CallbackOutcome.SATISFIED and resolved:
            to_status, ticket.closed_at = TicketStatus.CLOSED.value, now
        elif outcome is CallbackOutcome.NOT_SATISFIED:
            ticket.redone_count = (ticket.redone_count or 0) + 1
            if resolved:
                to_status, ticket.resolved_at = TicketStatus.REOPENED.value, None
        event = await self._trail.record(
            session, ticket, staff, EventKind.CALLBACK, to_status=to_status,
            internal_note=note, details={"outcome": outcome.value},
        )  # fmt: skip
        if to_status is not None:
            await self._trail.announce(session, ticket, event, None)
        redone = outcome is CallbackOutcome.NOT_SATISFIED
        if redone:
            await notify.to_staff_chat(
                session, ticket, event, self._trail.settings, "staff.redo",
                {"ticket_id": ticket.id, "number": ticket.number, "category": ticket.category,
                 "note": note or "—", "times": ticket.redone_count},
                buttons=notify.staff_buttons(ticket.id, ticket.status),
            )  # fmt: skip
        view = await self._trail.staff_view(session, ticket, actor, events=False)
        return CallbackRecorded(view, outcome, redone)

    async def _trails(
        self, session: AsyncSession, ticket_ids: list[int]
    ) -> dict[int, list[TicketEvent]]:
        by_ticket: dict[int, list[TicketEvent]] = {}
        for event in await repo.list_events_of_kinds(session, ticket_ids, _KINDS):
            by_ticket.setdefault(event.ticket_id, []).append(event)
        return by_ticket
