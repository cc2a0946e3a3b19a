"""Supervision (督办): officials single out tickets, and read a daily digest of them.

Only officials and admins may flag (``/supervise``) or unflag a ticket, from their private
chat with linli or from the staff chat; staff and residents are refused (NotSupervisor).
A flag is one event in the trail (kind "supervise"), the staff chat is told, and the card
shows it from then on. Every morning each official gets, privately, the open tickets that
are flagged or past a time limit, and the rejections whose review (申请复核) no official has
decided yet (late once past REVIEW_ANSWER working days), grouped by the unit that holds them
(by category while no units are dispatched to), each with a button carrying only its id:
opening it checks the role again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor, WrongPlace
from services.district.current import dispatching
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.log_context import bind_ticket
from services.reports.scrub import scrub
from services.tickets import lifecycle, notify
from services.tickets import validation as check
from services.tickets.places import building_level
from services.tickets.reminders import category_title
from services.tickets.trail import TicketTrail
from services.tickets.units import CENTRE, holder
from services.tickets.views import StaffTicketView
from storage import Role
from storage.models import EventKind, Resident, Ticket, TicketStatus
from storage.repositories import reminders as people_repo
from storage.repositories import tickets as repo

SUPERVISOR_ROLES = frozenset({Role.OFFICIAL, Role.ADMIN})
REVIEW_ANSWER = 5
"""Working days the officials have to answer a review of a rejection (申请复核; what the
resident is promised, services/tickets/reviews.py); the digest marks it late after that."""
DIGEST_AT = time(8, 45)
"""Local time of the officials' daily digest (after the staff's morning digest)."""
DIGEST_LIMIT = 30
"""Tickets listed (and buttons shown) in one digest; the count says how many in all."""
_BUTTONS_PER_ROW = 3


class NotSupervisor(PermissionDenied):
    """Supervision is for officials and admins."""

    def __init__(self) -> None:
        super().__init__("officials only")


class CannotSupervise(InvalidInput):
    """The ticket is closed, or already flagged (or, unflagging, not flagged)."""

    def __init__(self, number: str, reason: str, status: str) -> None:
        self.number = number
        self.reason = reason  # "ended", "already" or "not_flagged"
        self.status = status
        super().__init__(f"cannot change supervision of {number}: {reason}")


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One ticket of the digest."""

    ticket_id: int
    number: str
    group: str  # the unit's name while units are dispatched to, else the category id
    supervised: bool
    overdue: bool  # past its due time (a review: past the answer promised to the resident)
    by_unit: bool = False
    review: bool = False  # a rejection the resident asked to have reviewed (申请复核)


class Supervision:
    """Flag, unflag, open, and the daily digest."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def supervise(
        self, actor: Actor, number: str, note: str | None = None
    ) -> StaffTicketView:
        """Flag an open (or resolved, not yet closed) ticket for supervision."""
        note = None if note is None or not note.strip() else check.message(note, "the note")
        return await self._flag(actor, number, note, on=True)

    async def unsupervise(self, actor: Actor, number: str) -> StaffTicketView:
        """Lift the flag."""
        return await self._flag(actor, number, None, on=False)

    async def open_ticket(self, actor: Actor, ticket_id: int) -> StaffTicketView:
        """A digest button: the ticket with its trail, for an official in their own chat,
        without personal data (officials read figures and progress, not who complained:
        see the privacy notice): no name, phone, photos or map point, the place at building
        level, the words scrubbed."""
        async with self._trail.db.transaction() as session:
            await self._official(session, actor, staff_chat_too=False)
            ticket = await repo.get_ticket(session, ticket_id)
            if ticket is None:
                raise NotFound(f"ticket id {ticket_id}")
            bind_ticket(ticket.number)
            view = await self._trail.staff_view(session, ticket, actor, events=True)
            filer = await session.get(Resident, ticket.resident_id)
        names = [None if filer is None else filer.display_name]
        return replace(
            view, resident_name=None, phone=None, photos=(), latitude=None, longitude=None,
            description=scrub(ticket.description, names),
            location_text=building_level(ticket.location_text),
            events=tuple(
                replace(e, public_message=e.public_message and scrub(e.public_message, names),
                        internal_note=e.internal_note and scrub(e.internal_note, names))
                for e in view.events
            ),
        )  # fmt: skip

    async def send_daily_digest(self, now: datetime) -> int:
        """From DIGEST_AT each day, one private digest to every official and admin of the
        flagged and overdue open tickets (none when there are none); returns how many were
        queued. The idempotency key holds it to once a day however often the job runs."""
        local = now.astimezone(self._trail.calendar.tz)
        if local.time() < DIGEST_AT:
            return 0
        day = local.date().isoformat()
        async with self._trail.db.transaction() as session:
            lines = await self._digest_lines(session, now)
            if not lines:
                return 0
            officials = await people_repo.list_active_with_roles(session, SUPERVISOR_ROLES)
            messages = [
                _digest_message(person, self._language(person), lines, day) for person in officials
            ]
            return await people_repo.add_messages(session, messages, now)

    async def _flag(
        self, actor: Actor, number: str, note: str | None, *, on: bool
    ) -> StaffTicketView:
        async with self._trail.db.transaction() as session:
            official = await self._official(session, actor, staff_chat_too=True)
            ticket = await self._trail.ticket(session, number)
            # The flag first: /unsupervise on a ticket that was never flagged is told so, not
            # that it "can no longer be supervised" (true of an ended one, but not the point).
            if (ticket.supervised_at is not None) == on:
                reason = "already" if on else "not_flagged"
                raise CannotSupervise(ticket.number, reason, ticket.status)
            if not (lifecycle.is_open(ticket.status) or ticket.status == TicketStatus.RESOLVED):
                raise CannotSupervise(ticket.number, "ended", ticket.status)
            now = self._trail.clock()
            ticket.supervised_at = now if on else None
            ticket.supervised_by = official.telegram_id if on else None
            ticket.supervision_note = note if on else None
            event = await self._trail.record(
                session, ticket, official, EventKind.SUPERVISE, internal_note=note,
                details={"on": on},
            )  # fmt: skip
            await notify.to_staff_chat(
                session, ticket, event, self._trail.settings,
                "staff.supervised" if on else "staff.unsupervised",
                {"ticket_id": ticket.id, "number": ticket.number, "category": ticket.category,
                 "note": note or "—", "resolution_due_at": ticket.resolution_due_at.isoformat()},
                buttons=notify.staff_buttons(ticket.id, ticket.status) if on else None,
            )  # fmt: skip
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def _official(
        self, session: AsyncSession, actor: Actor, *, staff_chat_too: bool
    ) -> Resident:
        return await official(self._trail, session, actor, staff_chat_too=staff_chat_too)

    async def _digest_lines(self, session: AsyncSession, now: datetime) -> list[DigestLine]:
        flagged = await repo.list_supervised_open(session)
        overdue = await repo.list_overdue(session, now)
        seen: dict[int, Ticket] = {t.id: t for t in flagged}
        for ticket in overdue:
            seen.setdefault(ticket.id, ticket)
        late = {t.id for t in overdue}
        # Reviews no official has decided, late once the answer promised is past due.
        reviews: set[int] = set()
        for ticket, asked_at in await repo.list_reviews_awaiting(session):
            seen[ticket.id] = ticket
            reviews.add(ticket.id)
            if now > self._trail.calendar.add_working_days(asked_at, REVIEW_ANSWER):
                late.add(ticket.id)
        by_unit = dispatching()
        lines = [
            DigestLine(
                t.id, t.number, _unit_name(t) if by_unit else t.category,
                t.supervised_at is not None, t.id in late, by_unit,
                review=t.id in reviews,
            )
            for t in seen.values()
        ]  # fmt: skip
        # Grouped by the unit that holds them (by category while there are no units),
        # flagged first within a group.
        return sorted(lines, key=lambda line: (line.group, not line.supervised, line.number))

    def _language(self, person: Resident) -> str:
        return person.language or self._trail.settings.default_language


async def official(
    trail: TicketTrail, session: AsyncSession, actor: Actor, *, staff_chat_too: bool
) -> Resident:
    """The caller if an official or admin asking from their private chat (or, where
    ``staff_chat_too``, the staff chat); NotSupervisor or WrongPlace otherwise."""
    person = await trail.staff_member(session, actor.telegram_id)
    if person is None or Role(person.role) not in SUPERVISOR_ROLES:
        raise NotSupervisor()
    if not (actor.private or (staff_chat_too and trail.at_desk(actor))):
        raise WrongPlace("private chat")
    return person


def _digest_message(
    person: Resident, language: str, lines: Sequence[DigestLine], day: str
) -> dict[str, Any]:
    shown = list(lines[:DIGEST_LIMIT])
    text: list[str] = []
    group = None
    for line in shown:
        if line.group != group:
            group = line.group
            title = group if line.by_unit else category_title(group, language)
            text.append(f"【{title}】")
        marks = (
            ("⚑" if line.supervised else "")
            + ("🙋" if line.review else "")
            + ("⚠️" if line.overdue else "")
        )
        text.append(f"• {line.number} {marks}".rstrip())
    buttons = [
        [{"text": line.number, "data": f"sv:open:{line.ticket_id}"} for line in row]
        for row in (shown[i : i + _BUTTONS_PER_ROW] for i in range(0, len(shown), _BUTTONS_PER_ROW))
    ]
    return {
        "chat_id": person.chat_id,
        "telegram_id": person.telegram_id,
        "language": language,
        "message_key": "supervision.digest",
        "params": {
            "date": day,
            "count": len(lines),
            "flagged": sum(1 for line in lines if line.supervised),
            "overdue": sum(1 for line in lines if line.overdue),
            "reviews": sum(1 for line in lines if line.review),
            "shown": len(shown),
            "tickets": "\n".join(text),
        },
        "buttons": buttons,
        "idempotency_key": f"supervision:digest:{day}:tg{person.telegram_id}",
    }


def _unit_name(ticket: Ticket) -> str:
    unit = holder(ticket)
    return CENTRE if unit is None else unit.name
