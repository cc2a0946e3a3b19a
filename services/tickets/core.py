"""What every ticket use case shares: configuration, actors, loading, recording events.

TicketService (services/tickets/__init__.py) is assembled from the filing, staff-desk and
resident parts, which all inherit this core. Every use case runs in one transaction; an
action is checked (role, ownership, lifecycle) before anything is written, so a refused
action changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services import events
from services.errors import NotFound, PermissionDenied
from services.tickets import lifecycle
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
from storage.models import EventKind, Resident, Ticket, TicketEvent
from storage.repositories import residents as residents_repo
from storage.repositories import tickets as repo

Clock = Callable[[], datetime]
STAFF_ROLES = frozenset({Role.STAFF, Role.OFFICIAL, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class TicketSettings:
    """Knobs of the ticket desk; defaults suit the district's service centre."""

    staff_chat_id: int | None = None  # None: no staff cards are queued
    staff_language: str = "zh-Hans"
    default_language: str = "zh-Hans"
    auto_close_days: int = 7  # a resolved ticket nobody rated closes after this many days
    similarity_threshold: float = 60.0  # rapidfuzz WRatio, 0-100
    similar_limit: int = 3


class TicketCore:
    """Shared state and helpers of the ticket use cases."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: TicketSettings | None = None,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.settings = settings or TicketSettings()
        self.calendar = calendar or WorkCalendar()

    async def _person(self, session: AsyncSession, telegram_id: int) -> Resident:
        person = await residents_repo.get_resident(session, telegram_id)
        if person is None:
            raise NotFound("resident")
        return person

    async def _staff(self, session: AsyncSession, telegram_id: int) -> Resident:
        """The caller if they hold a staff, official or admin role; PermissionDenied otherwise."""
        person = await residents_repo.get_resident(session, telegram_id)
        if person is None or Role(person.role) not in STAFF_ROLES:
            raise PermissionDenied("staff")
        return person

    async def _ticket(self, session: AsyncSession, number: str) -> Ticket:
        ticket = await repo.get_ticket_by_number(session, number.strip(), for_update=True)
        if ticket is None:
            raise NotFound(f"ticket {number}")
        return ticket

    async def _record(
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
        now = self._clock()
        from_status = None if filed else ticket.status
        if not filed:  # a new row already says "new" at ``now``: touching it costs an UPDATE
            if to_status is not None:
                ticket.status = to_status
            ticket.updated_at = now
        if actor is None:
            role = "system"
        else:
            role = "resident" if as_resident else str(Role(actor.role).value)
        # The resident-visible clock: a reply or a status change answers; a note does not.
        if (
            actor is not None
            and role != "resident"
            and ticket.first_response_at is None
            and kind not in (EventKind.NOTE, EventKind.ASSIGN)
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

    def _language(self, resident: Resident) -> str:
        return resident.language or self.settings.default_language

    async def _merged_number(self, session: AsyncSession, ticket: Ticket) -> str | None:
        if ticket.merged_into_id is None:
            return None
        target = await repo.get_ticket(session, ticket.merged_into_id)
        return None if target is None else target.number

    async def _resident_view(
        self,
        session: AsyncSession,
        ticket: Ticket,
        *,
        is_owner: bool,
        timeline: bool = True,
        events: list[TicketEvent] | None = None,
    ) -> TicketView:
        """The resident's record of a ticket; ``events`` saves reading a trail just written."""
        if events is None:
            events = await repo.list_events(session, ticket.id) if timeline else []
        return TicketView(
            number=ticket.number,
            category=ticket.category,
            status=ticket.status,
            description=ticket.description,
            location_text=ticket.location_text,
            latitude=ticket.latitude,
            longitude=ticket.longitude,
            photos=tuple(ticket.photos) if is_owner else (),
            anonymous=ticket.anonymous,
            is_owner=is_owner,
            created_at=ticket.created_at,
            response_due_at=ticket.response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            is_overdue=is_overdue(ticket, self._clock(), lifecycle.is_open(ticket.status)),
            reject_reason=ticket.reject_reason,
            merged_into=await self._merged_number(session, ticket),
            rating_solved=ticket.rating_solved,
            rating_score=ticket.rating_score,
            can_follow_up=lifecycle.allows(lifecycle.Action.FOLLOWUP, ticket.status),
            timeline=tuple(public_event(e) for e in events if is_public(e)),
        )

    async def _staff_view(
        self, session: AsyncSession, ticket: Ticket, viewer: int | None, *, events: bool
    ) -> StaffTicketView:
        filer = await session.get(Resident, ticket.resident_id)
        trail = await repo.list_events(session, ticket.id) if events else []
        is_assignee = viewer is not None and viewer == ticket.assignee_telegram_id
        phone = ticket.phone if is_assignee else mask_phone(ticket.phone)
        return StaffTicketView(
            id=ticket.id,
            number=ticket.number,
            category=ticket.category,
            status=ticket.status,
            description=ticket.description,
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
            is_overdue=is_overdue(ticket, self._clock(), lifecycle.is_open(ticket.status)),
            reject_reason=ticket.reject_reason,
            merged_into=await self._merged_number(session, ticket),
            rating_solved=ticket.rating_solved,
            rating_score=ticket.rating_score,
            rating_comment=ticket.rating_comment,
            events=tuple(staff_event(e) for e in trail),
        )


_ENDED = frozenset({"closed", "rejected", "merged"})


def _count_event(session: AsyncSession, category: str, to_status: str | None, filed: bool) -> None:
    """Filed and ended tickets for the metrics, once the transaction commits."""
    if filed:
        events.emit_after_commit(session, events.TICKET_FILED, category=category)
    elif to_status in _ENDED:
        events.emit_after_commit(session, events.TICKET_CLOSED, category=category, status=to_status)
