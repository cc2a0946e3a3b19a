"""Extensions (延期): staff ask for more time on an open ticket, an official decides.

Staff request from the staff desk with a reason and a new due time; every active official
and admin is asked privately, with approve / refuse buttons that carry the request's id
only. Privately rather than in the staff chat because the decision is the official's own
responsibility (as overdue escalations already are), officials need not sit in the busy
staff chat, and a private chat shows the request to exactly those who may decide. The first
decision wins; a later press on another official's copy is told it was decided (and how).

Approved, the resolution due time moves to the requested one (so the ticket is not late
for the time it was given), the resident is told the new expected time and the reason in
plain words, and the staff chat hears it. Refused, nothing moves and the staff chat hears
it. An official or admin who asks for more time themselves is neither asked nor allowed to
decide their own request (four eyes). Every step is one event in the trail; every refusal
raises before anything is written.
A pending request whose requested time has passed can no longer be approved and no longer
blocks a new request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor, require_private
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.log_context import bind_ticket
from services.tickets import lifecycle, notify
from services.tickets import validation as check
from services.tickets.due_input import MAX_WORKING_DAYS, NewDue, TooFar, split_due
from services.tickets.lifecycle import Action
from services.tickets.pauses import staff_and_ticket
from services.tickets.summaries import ticket_place
from services.tickets.trail import TicketTrail
from storage import Role
from storage.models import (
    EventKind,
    ExtensionStatus,
    Resident,
    Ticket,
    TicketEvent,
    TicketExtension,
)
from storage.repositories import residents as residents_repo
from storage.repositories import tickets as repo
from storage.repositories.reminders import list_active_with_roles

DECIDERS = (Role.OFFICIAL, Role.ADMIN)


class DueNotLater(InvalidInput):
    """The requested due time is in the past, or not later than the current one."""

    def __init__(self, number: str, current: datetime, past: bool) -> None:
        self.number = number
        self.current = current
        self.past = past
        super().__init__(f"ticket {number}: the new due time must be later")


class NotAWorkingDay(InvalidInput):
    """The new due date falls on a weekend or a holiday: a due time is a working day's."""

    def __init__(self, number: str, asked: datetime, instead: datetime) -> None:
        self.number = number
        self.asked = asked
        self.instead = instead  # the same time on the next working day
        super().__init__(f"ticket {number}: {asked.date()} is not a working day")


class ExtensionPending(InvalidInput):
    """A second request while one is waiting for an official."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(f"ticket {number} already has an extension request waiting")


class OwnRequest(PermissionDenied):
    """An official pressed a decision on their own request (someone else decides it)."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(f"the extension of {number} was requested by the decider")


class NoOneToDecide(InvalidInput):
    """No active official or admin to ask (other than the one asking)."""

    def __init__(self) -> None:
        super().__init__("no official to decide")


class ExtensionDecided(InvalidInput):
    """A decision on a request that is no longer pending (decided, or its time has passed)."""

    def __init__(self, number: str, status: str) -> None:
        self.number = number
        self.status = status  # approved, refused, or lapsed
        super().__init__(f"the extension of {number} is {status}")


@dataclass(frozen=True, slots=True)
class ExtensionView:
    """An extension request as staff and officials see it."""

    id: int
    number: str
    status: str
    reason: str
    from_due_at: datetime
    to_due_at: datetime
    asked: int  # officials and admins the request was sent to


class Extensions:
    """Extension requests and their decisions."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    def parse_due(self, text: str) -> tuple[NewDue, str]:
        """The due time at the start of ``text`` as staff type it, and the rest (BadDueTime)."""
        today = self._trail.clock().astimezone(self._trail.calendar.tz).date()
        cal = self._trail.calendar
        return split_due(text, today, cal.tz, cal.end)

    async def request(self, actor: Actor, number: str, due: NewDue, reason: str) -> ExtensionView:
        """Ask the officials to move an open ticket's resolution due time to ``due``."""
        reason = check.reason(reason, "the reason")
        async with self._trail.db.transaction() as session:
            staff, ticket = await staff_and_ticket(
                self._trail, session, actor, number, Action.EXTEND
            )
            now = self._trail.clock()
            if await _pending(session, ticket.id, now) is not None:
                raise ExtensionPending(ticket.number)
            target = self._target(ticket, due, now).astimezone(UTC)  # stored and sent as UTC
            if target <= ticket.resolution_due_at:
                raise DueNotLater(ticket.number, ticket.resolution_due_at, past=False)
            # Four eyes: an official who asks for more time is not the one who grants it.
            deciders = [
                person
                for person in await list_active_with_roles(session, DECIDERS)
                if person.telegram_id != staff.telegram_id
            ]
            if not deciders:
                raise NoOneToDecide()
            row = TicketExtension(
                ticket_id=ticket.id, status=ExtensionStatus.PENDING.value,
                requested_by=staff.telegram_id, requested_at=now, reason=reason,
                from_due_at=ticket.resolution_due_at, to_due_at=target,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            event = await self._trail.record(
                session, ticket, staff, EventKind.EXTENSION_REQUESTED, internal_note=reason,
                details=_details(row),
            )  # fmt: skip
            params = {
                **_params(ticket, row), "category": ticket.category,
                "requester": staff.display_name or "",
                # Officials see no personal data (README, "Your data"): not the resident's
                # words, which no scrubber can be trusted to clear of every name, but the
                # category and the place at building level, as the public reads them; the
                # reason says what the case needs.
                "place": await ticket_place(session, ticket),
            }  # fmt: skip
            buttons = decision_buttons(row.id)
            for person in deciders:
                await notify.to_person(
                    session, ticket, event, person, self._trail.settings,
                    "staff.extension.request", params, buttons,
                )  # fmt: skip
            return _view(ticket, row, len(deciders))

    async def decide(self, actor: Actor, extension_id: int, approve: bool) -> ExtensionView:
        """An official's decision on a pending request (from the buttons sent to them)."""
        async with self._trail.db.transaction() as session:
            official = await self._decider(session, actor)
            row = await session.get(TicketExtension, extension_id, with_for_update=True)
            ticket = (
                None
                if row is None
                else await repo.get_ticket(session, row.ticket_id, for_update=True)
            )
            if row is None or ticket is None:
                raise NotFound(f"extension {extension_id}")
            bind_ticket(ticket.number)
            now = self._trail.clock()
            if row.requested_by == official.telegram_id:
                raise OwnRequest(ticket.number)
            if row.status != ExtensionStatus.PENDING:
                raise ExtensionDecided(ticket.number, row.status)
            lifecycle.check(ticket.number, Action.EXTEND, ticket.status)
            if approve and row.to_due_at <= now:
                raise ExtensionDecided(ticket.number, "lapsed")
            row.status = (ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED).value
            row.decided_by, row.decided_at = official.telegram_id, now
            if approve:
                await self._approve(session, ticket, row, official)
            else:
                await self._refuse(session, ticket, row, official)
            return _view(ticket, row, 0)

    async def _approve(
        self, session: AsyncSession, ticket: Ticket, row: TicketExtension, official: Resident
    ) -> None:
        # A pause resumed since the request may already have moved the due time further.
        ticket.resolution_due_at = max(ticket.resolution_due_at, row.to_due_at)
        event = await self._trail.record(
            session, ticket, official, EventKind.EXTENSION_APPROVED, public_message=row.reason,
            details=_details(row),
        )  # fmt: skip
        resident = {"number": ticket.number, "reason": row.reason,
                    "resolution_due_at": ticket.resolution_due_at.isoformat()}  # fmt: skip
        await notify.to_resident_and_followers(
            session, ticket, event, self._trail.settings, "ticket.extended", resident
        )
        await self._tell_desk(session, ticket, row, official, event, "staff.extension.approved")

    async def _refuse(
        self, session: AsyncSession, ticket: Ticket, row: TicketExtension, official: Resident
    ) -> None:
        event = await self._trail.record(
            session, ticket, official, EventKind.EXTENSION_REFUSED, details=_details(row)
        )
        await self._tell_desk(session, ticket, row, official, event, "staff.extension.refused")

    async def _tell_desk(
        self, session: AsyncSession, ticket: Ticket, row: TicketExtension, official: Resident,
        event: TicketEvent, key: str,
    ) -> None:  # fmt: skip
        requester = await residents_repo.get_resident(session, row.requested_by)
        params = {
            **_params(ticket, row), "official": official.display_name or "",
            "requester": "" if requester is None else requester.display_name or "",
        }  # fmt: skip
        await notify.to_staff_chat(session, ticket, event, self._trail.settings, key, params)

    async def _decider(self, session: AsyncSession, actor: Actor) -> Resident:
        """An official or admin, deciding in their own chat with linli, where the buttons
        were sent (a press forged in a group is refused)."""
        person = await residents_repo.get_resident(session, actor.telegram_id)
        if person is None or Role(person.role) not in DECIDERS:
            raise PermissionDenied("official")
        require_private(actor)
        return person

    def _target(self, ticket: Ticket, due: NewDue, now: datetime) -> datetime:
        """The requested due time, checked in the order that helps whoever typed it: a past
        date is told it is past (not that it is a Sunday), a date beyond the limit is told
        the limit, and only then is a day the office is shut given a working day instead."""
        target = due.at or self._plus(ticket, due.working_days or 0)
        if target <= now:
            raise DueNotLater(ticket.number, ticket.resolution_due_at, past=True)
        if due.at is None:
            return target  # "+N" lands on a working day within the limit by construction
        # A date is held to the same limit as "+N", counted on the same calendar.
        if due.at > self._plus(ticket, MAX_WORKING_DAYS):
            raise TooFar(MAX_WORKING_DAYS, ticket.number)
        # A date typed as "12月12日" on a Saturday would promise the resident a day the
        # office is shut; say which working day would do instead.
        calendar = self._trail.calendar
        local = due.at.astimezone(calendar.tz)
        if not calendar.is_workday(local.date()):
            instead = local
            while not calendar.is_workday(instead.date()):
                instead += timedelta(days=1)
            raise NotAWorkingDay(ticket.number, due.at, instead)
        return due.at

    def _plus(self, ticket: Ticket, working_days: int) -> datetime:
        """The ticket's current resolution due time moved by ``working_days`` working days
        (that many working days' hours, holidays skipped)."""
        return self._trail.calendar.add_working_days(ticket.resolution_due_at, working_days)


def decision_buttons(extension_id: int) -> notify.Buttons:
    """Approve / refuse under a request; data "ext:y|n:<request id>" (ids only)."""
    return [
        [
            {"key": "button.extension.approve", "data": f"ext:y:{extension_id}"},
            {"key": "button.extension.refuse", "data": f"ext:n:{extension_id}"},
        ]
    ]


async def _pending(session: AsyncSession, ticket_id: int, now: datetime) -> TicketExtension | None:
    """The ticket's request still waiting for a decision (one whose time has passed is not)."""
    stmt = select(TicketExtension).where(
        TicketExtension.ticket_id == ticket_id,
        TicketExtension.status == ExtensionStatus.PENDING.value,
        TicketExtension.to_due_at > now,
    )
    return (await session.scalars(stmt.limit(1))).first()


def _details(row: TicketExtension) -> dict[str, object]:
    return {
        "extension": row.id,
        "from": row.from_due_at.isoformat(),
        "to": row.to_due_at.isoformat(),
    }


def _params(ticket: Ticket, row: TicketExtension) -> dict[str, object]:
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "reason": row.reason,
        "resolution_due_at": row.from_due_at.isoformat(),
        "new_due_at": row.to_due_at.isoformat(),
    }


def _view(ticket: Ticket, row: TicketExtension, asked: int) -> ExtensionView:
    return ExtensionView(
        id=row.id,
        number=ticket.number,
        status=row.status,
        reason=row.reason,
        from_due_at=row.from_due_at,
        to_due_at=row.to_due_at,
        asked=asked,
    )
