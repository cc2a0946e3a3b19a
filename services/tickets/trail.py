"""The ticket trail: the one helper every ticket use case shares.

Filing, ResidentTickets, StaffDesk, SystemTickets and DeskPrompts each hold the same
TicketTrail instead of inheriting from a common base. It finds the people and the ticket an
action is about, records the action's one event in the audit trail (applying its status
change), announces status changes through the outbox (notify.py), and reads tickets back as
the frozen records handlers get (views.py). It opens no transaction: each use case opens
exactly one and passes its session in, so an action is checked (role, ownership,
lifecycle) before anything is written and a refused action changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.errors import NotFound
from services.events import TICKET_CLOSED, TICKET_FILED, emit_after_commit
from services.log_context import bind_ticket
from services.reports.scrub import mask_phone_numbers
from services.residents.staff_chat import in_staff_chat, staff_in_staff_chat
from services.tickets import lifecycle, notify
from services.tickets.clock import end_pause, is_paused, restart_resolution
from services.tickets.lifecycle import Action
from services.tickets.places import building_level
from services.tickets.settings import TicketSettings
from services.tickets.units import check_may_act, held_by
from services.tickets.views import (
    StaffTicketView,
    TicketView,
    is_overdue,
    is_public,
    mask_phone,
    public_event,
    resident_label,
    staff_event,
)
from services.workdays.worktime import WorkCalendar
from storage import Database, Role
from storage.models import EventKind, Resident, Ticket, TicketEvent, TicketStatus
from storage.repositories import residents as residents_repo
from storage.repositories import tickets as repo

Clock = Callable[[], datetime]
STAFF_ROLES = frozenset({Role.STAFF, Role.OFFICIAL, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class TicketTrail:
    """Lookups, the audit trail and announcements, plus the clock, settings and calendar."""

    db: Database
    clock: Clock
    settings: TicketSettings
    calendar: WorkCalendar

    async def person(self, session: AsyncSession, telegram_id: int) -> Resident:
        """The registered person with this Telegram id; NotFound otherwise."""
        person = await residents_repo.get_resident(session, telegram_id)
        if person is None:
            raise NotFound("resident")
        return person

    async def staff_member(self, session: AsyncSession, telegram_id: int) -> Resident | None:
        """The person if they hold a staff, official or admin role; None otherwise."""
        person = await residents_repo.get_resident(session, telegram_id)
        if person is None or Role(person.role) not in STAFF_ROLES:
            return None
        return person

    async def staff(self, session: AsyncSession, actor: Actor) -> Resident:
        """The caller if they hold a staff, official or admin role and ask from the staff
        chat: the one rule every staff action passes (services/residents/staff_chat.py), so a
        card's button forged in a private chat or another group is refused here too."""
        return await staff_in_staff_chat(session, actor, self.settings.staff_chat_id)

    def at_desk(self, actor: Actor) -> bool:
        """Whether the request came from the staff chat (the place half of the rule above)."""
        return in_staff_chat(actor, self.settings.staff_chat_id)

    async def desk_ticket(
        self, session: AsyncSession, actor: Actor, number: str
    ) -> tuple[Resident, Ticket]:
        """The staff member at the desk and the ticket, locked, if they may act on it from
        where they ask (a unit's staff on their unit's tickets: services/tickets/units.py)."""
        staff = await self.staff(session, actor)
        ticket = await self.ticket(session, number)
        check_may_act(actor, staff, ticket, self.settings.staff_chat_id)
        return staff, ticket

    async def ticket(self, session: AsyncSession, number: str) -> Ticket:
        """The ticket with this number, locked for the change to come; NotFound otherwise."""
        ticket = await repo.get_ticket_by_number(session, number.strip(), for_update=True)
        if ticket is None:
            raise NotFound(f"ticket {number}", number=number.strip())
        bind_ticket(ticket.number)
        return ticket

    async def record(
        self,
        session: AsyncSession,
        ticket: Ticket,
        actor: Resident | None,
        kind: EventKind,
        *,
        to_status: str | None = None,
        public_message: str | None = None,
        internal_note: str | None = None,
        details: dict[str, Any] | None = None,
        as_resident: bool = False,
        filed: bool = False,
    ) -> TicketEvent:
        """Write the one event of an action and apply its status change to the ticket.

        ``as_resident`` records the actor as the resident whatever their role (a staff
        member may file or rate their own ticket); ``filed`` marks the first event, which
        comes from no status.
        """
        now = self.clock()
        from_status = None if filed else ticket.status
        if to_status is not None and not lifecycle.is_open(to_status) and is_paused(ticket):
            # Resolved, rejected or merged while waiting for the resident: the wait ends here.
            details = {**(details or {}), **end_pause(ticket, now, self.calendar)}
        if to_status == TicketStatus.REOPENED.value and not filed:
            details = {**(details or {}), **restart_resolution(ticket, now, self.calendar)}
        if not filed:  # a new row already says "new" at ``now``: touching it costs an UPDATE
            if to_status is not None:
                ticket.status = to_status
            ticket.updated_at = now
        if actor is None:
            role = "system"
        else:
            role = "resident" if as_resident else str(Role(actor.role).value)
        # The resident-visible clock: a reply or a status change answers; a note does not, nor
        # does an official's supervision flag or a callback (they are not the desk answering).
        if (
            actor is not None
            and role != "resident"
            and ticket.first_response_at is None
            and kind not in _NOT_A_RESPONSE
        ):
            ticket.first_response_at = now
        _count_event(session, ticket.category, to_status, filed)
        return await repo.add_event(
            session,
            ticket_id=ticket.id,
            at=now,
            kind=kind.value,
            actor_telegram_id=None if actor is None else actor.telegram_id,
            actor_role=role,
            from_status=from_status,
            to_status=to_status,
            public_message=public_message,
            internal_note=internal_note,
            details=details or {},
        )

    async def change_status(
        self, session: AsyncSession, ticket: Ticket, actor: Resident | None, action: Action,
        text: str | None,
    ) -> TicketEvent:  # fmt: skip
        """Apply a status-changing action (staff's, or the system's when ``actor`` is None)
        with its optional public message, and record it."""
        now = self.clock()
        target = lifecycle.TARGET[action]
        if target is TicketStatus.REJECTED:
            ticket.reject_reason = text
        elif target is TicketStatus.RESOLVED:
            ticket.resolved_at = now
        elif target is TicketStatus.REOPENED:
            ticket.resolved_at = None
        elif target is TicketStatus.CLOSED:
            ticket.closed_at = now
        return await self.record(
            session, ticket, actor, EventKind.TRANSITION, to_status=target.value,
            public_message=text,
        )  # fmt: skip

    async def announce(
        self, session: AsyncSession, ticket: Ticket, event: TicketEvent, text: str | None
    ) -> None:
        """Tell the resident and followers about a status change."""
        followers = notify.follower_news(ticket)
        if ticket.status == TicketStatus.REJECTED:
            key, params = "ticket.rejected", {"number": ticket.number, "reason": text or ""}
            await notify.to_resident_and_followers(
                session, ticket, event, self.settings, key, params, followers=followers,
                owner_buttons=notify.review_buttons(ticket.id),  # 申请复核 (reviews.py)
            )  # fmt: skip
            return
        params = {"number": ticket.number, "status": ticket.status, "message": text or ""}
        owner_key = owner_buttons = None
        if ticket.status == TicketStatus.RESOLVED:
            owner_key, owner_buttons = "ticket.rate_request", notify.rate_buttons(ticket.id)
        await notify.to_resident_and_followers(
            session, ticket, event, self.settings, "ticket.status_changed", params,
            owner_key=owner_key, owner_buttons=owner_buttons, followers=followers,
        )  # fmt: skip

    async def resident_view(
        self,
        session: AsyncSession,
        ticket: Ticket,
        *,
        is_owner: bool,
        timeline: bool = True,
        events: list[TicketEvent] | None = None,
    ) -> TicketView:
        """The resident's record of a ticket; ``events`` saves reading a trail just written.

        A follower ("me too") sees the ticket's progress, never what its filer wrote nor
        what staff wrote to them: no description, the place at building level, no reject
        reason, and status changes without their messages."""
        if events is None:
            events = await repo.list_events(session, ticket.id) if timeline else []
        public = [public_event(e) for e in events if is_public(e)]
        if not is_owner:
            public = [replace(e, message=None) for e in public if e.status is not None]
        return TicketView(
            number=ticket.number,
            category=ticket.category,
            status=ticket.status,
            description=ticket.description if is_owner else "",
            location_text=ticket.location_text
            if is_owner
            else building_level(ticket.location_text),
            latitude=ticket.latitude if is_owner else None,
            longitude=ticket.longitude if is_owner else None,
            photos=tuple(ticket.photos) if is_owner else (),
            anonymous=ticket.anonymous,
            is_owner=is_owner,
            created_at=ticket.created_at,
            response_due_at=ticket.response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            is_overdue=is_overdue(ticket, self.clock(), lifecycle.is_open(ticket.status)),
            paused=is_paused(ticket),
            reject_reason=ticket.reject_reason if is_owner else None,
            merged_into=await self._merged_number(session, ticket),
            rating_solved=ticket.rating_solved,
            rating_score=ticket.rating_score,
            can_follow_up=lifecycle.allows(lifecycle.Action.FOLLOWUP, ticket.status),
            timeline=tuple(public),
        )

    async def staff_view(
        self, session: AsyncSession, ticket: Ticket, viewer: Actor | None, *, events: bool
    ) -> StaffTicketView:
        """The staff's record of a ticket; the phone in full only for its assignee reading in
        their private chat (a view shown in a group is read by everyone there)."""
        filer = await session.get(Resident, ticket.resident_id)
        history = await repo.list_events(session, ticket.id) if events else []
        is_assignee = (
            viewer is not None
            and viewer.private
            and viewer.telegram_id == ticket.assignee_telegram_id
        )
        phone = ticket.phone if is_assignee else mask_phone(ticket.phone)
        return StaffTicketView(
            id=ticket.id,
            number=ticket.number,
            category=ticket.category,
            status=ticket.status,
            # Shown in the staff chat: numbers typed in the text are masked like the phone.
            description=mask_phone_numbers(ticket.description),
            location_text=ticket.location_text,
            latitude=ticket.latitude,
            longitude=ticket.longitude,
            photos=tuple(ticket.photos),
            anonymous=ticket.anonymous,
            resident_name=None if filer is None else resident_label(filer, ticket.anonymous),
            phone=phone,
            assignee_telegram_id=ticket.assignee_telegram_id,
            staff_thread_id=ticket.staff_thread_id,
            created_at=ticket.created_at,
            response_due_at=ticket.response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            first_response_at=ticket.first_response_at,
            paused_at=ticket.paused_at,
            is_overdue=is_overdue(ticket, self.clock(), lifecycle.is_open(ticket.status)),
            reject_reason=ticket.reject_reason,
            merged_into=await self._merged_number(session, ticket),
            rating_solved=ticket.rating_solved,
            rating_score=ticket.rating_score,
            rating_comment=ticket.rating_comment,
            events=tuple(staff_event(e, masked=not is_assignee) for e in history),
            supervised=ticket.supervised_at is not None,
            redone=ticket.redone_count or 0,
            channel=ticket.channel or "telegram",
            on_behalf_name=ticket.on_behalf_name,
            held_by=held_by(ticket),
            resident_unreachable=unreachable(filer),
        )

    async def staff_views(
        self, session: AsyncSession, tickets: Sequence[Ticket], viewer: Actor | None
    ) -> tuple[StaffTicketView, ...]:
        """Staff records of several tickets, without their trails (the queues)."""
        return tuple([await self.staff_view(session, t, viewer, events=False) for t in tickets])

    async def _merged_number(self, session: AsyncSession, ticket: Ticket) -> str | None:
        if ticket.merged_into_id is None:
            return None
        target = await repo.get_ticket(session, ticket.merged_into_id)
        return None if target is None else target.number


_ENDED = frozenset({"closed", "rejected", "merged"})
# Internal steps, an official's flag or decision on an extension, a call back, a transfer
# between units and a ban are no answer to the resident: they do not count as the desk's
# first response (响应).
_NOT_A_RESPONSE = frozenset(
    {
        EventKind.NOTE, EventKind.ASSIGN, EventKind.SUPERVISE, EventKind.CALLBACK,
        EventKind.TRANSFER, EventKind.SUMMARY, EventKind.BAN, EventKind.UNBAN,
        EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_APPROVED, EventKind.EXTENSION_REFUSED,
        EventKind.REVIEW_DONE,
    }
)  # fmt: skip


def _count_event(session: AsyncSession, category: str, to_status: str | None, filed: bool) -> None:
    """Filed and ended tickets for the metrics, once the transaction commits."""
    if filed:
        emit_after_commit(session, TICKET_FILED, category=category)
    elif to_status in _ENDED:
        emit_after_commit(session, TICKET_CLOSED, category=category, status=to_status)


def unreachable(filer: Resident | None) -> str | None:
    """Why messages to the filer are skipped (notify.to_person), or None: /forget leaves
    the row with a placeholder (negative) Telegram id and no chat; a 403 from Telegram (they
    blocked linli) marks them inactive until they write again."""
    if filer is None:
        return None
    if filer.telegram_id < 0:
        return "erased"
    return None if filer.active else "blocked"
