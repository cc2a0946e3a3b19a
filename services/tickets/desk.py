"""The staff desk: every staff action on a ticket, each checked, recorded and notified, and
the lists and lookups staff work from.

Each method takes the acting staff member as an Actor (who, and from which chat) and raises
PermissionDenied unless they hold the staff, official or admin role and ask from the staff
chat (TicketTrail.staff: one rule for every action), NotFound for an unknown number, and
InvalidTransition when the ticket's status does not allow the action. Residents hear about
public changes (signed by the community, never by name); notes and assignments stay internal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.errors import InvalidInput, NotFound
from services.log_context import bind_ticket
from services.tickets import lifecycle, notify
from services.tickets import validation as check
from services.tickets.categories import ENQUIRY
from services.tickets.lifecycle import Action, InvalidTransition
from services.tickets.trail import STAFF_ROLES, TicketTrail
from services.tickets.units import check_may_act, unit_of_chat
from services.tickets.views import StaffTicketView
from storage import Role
from storage.models import EventKind, Resident, Ticket, TicketEvent, TicketStatus
from storage.repositories import residents as residents_repo
from storage.repositories import tickets as repo


class NotStaff(InvalidInput):
    """/assign named someone without a staff role."""

    def __init__(self, telegram_id: int) -> None:
        self.telegram_id = telegram_id
        super().__init__(f"{telegram_id} is not a staff member")


class CannotMerge(InvalidInput):
    """/merge named the ticket itself, or one that is no longer open, as the target."""

    def __init__(self, number: str, status: str, itself: bool) -> None:
        self.number = number
        self.status = status
        self.itself = itself
        super().__init__(f"cannot merge into {number} ({status})")


class EnquiryUnanswered(InvalidInput):
    """An enquiry (a resident's question) resolved before anyone answered it: the resident
    would read "done" and never get the answer they asked for."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(f"enquiry {number} has not been answered")


class AlreadyTaken(InvalidTransition):
    """/accept (or the accept button) on an open ticket a colleague has taken: still an
    InvalidTransition, carrying who holds it, so staff know whom to ask or to reassign from
    instead of only reading the status."""

    def __init__(self, number: str, status: str, assignee: int, name: str | None) -> None:
        super().__init__(number, Action.ACCEPT, status)
        self.assignee = assignee
        self.name = name  # None: a staff member linli knows by id only


@dataclass(frozen=True, slots=True)
class Roster:
    """The staff a ticket can be given to, as the assign buttons offer them: by position,
    so that button data carries no Telegram id, with a version that changes whenever the
    list does, so that a pick from an old list is refused rather than landing on someone
    else."""

    version: str
    names: tuple[str, ...]


class StaleRoster(InvalidInput):
    """An assign button from a list that has changed since it was shown."""

    def __init__(self) -> None:
        super().__init__("the staff list has changed")


class StaffDesk:
    """What staff do to tickets, and the lists and lookups they work from."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def accept(
        self, actor: Actor, number: str, message: str | None = None
    ) -> StaffTicketView:
        """new → accepted; the accepting staff member becomes the assignee if there is none."""
        return await self._change(actor, number, Action.ACCEPT, message, take=True)

    async def start(self, actor: Actor, number: str, message: str | None = None) -> StaffTicketView:
        """accepted → in_progress (work has begun on site)."""
        return await self._change(actor, number, Action.START, message)

    async def resolve(
        self, actor: Actor, number: str, message: str | None = None
    ) -> StaffTicketView:
        """accepted / in_progress / reopened → resolved; the resident is asked to rate it.
        An enquiry needs its answer first: a reply sent before, or the words given here
        (EnquiryUnanswered otherwise)."""
        return await self._change(actor, number, Action.RESOLVE, message)

    async def reopen(self, actor: Actor, number: str, reason: str) -> StaffTicketView:
        """resolved → reopened by staff (the work turned out unfinished)."""
        return await self._change(actor, number, Action.REOPEN, check.message(reason, "reason"))

    async def close(self, actor: Actor, number: str, message: str | None = None) -> StaffTicketView:
        """resolved → closed without waiting for the resident's rating."""
        return await self._change(actor, number, Action.CLOSE, message)

    async def reject(self, actor: Actor, number: str, reason: str) -> StaffTicketView:
        """An open ticket → rejected; the reason is required and shown to the resident."""
        reason = check.reason(reason, "the reason")
        return await self._change(actor, number, Action.REJECT, reason)

    async def reply(self, actor: Actor, number: str, text: str) -> StaffTicketView:
        """A public reply, sent to the resident signed by the community (followers hear
        status changes only: the reply is meant for the person who filed)."""
        text = check.message(text, "the reply")
        async with self._trail.db.transaction() as session:
            staff, ticket = await self._checked(session, actor, number, Action.REPLY)
            event = await self._trail.record(
                session, ticket, staff, EventKind.REPLY, public_message=text
            )
            params = {"number": ticket.number, "message": text}
            await notify.to_resident_and_followers(
                session, ticket, event, self._trail.settings, "ticket.staff_reply", params
            )
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def send_photo(
        self, actor: Actor, number: str, file_id: str, caption: str | None
    ) -> StaffTicketView:
        """A photo for the resident (before/after, typically when resolving: a photo sent as
        a reply to the card), its caption as the message; in the trail like a reply, and
        like a reply for the filer alone."""
        text = None if caption is None or not caption.strip() else check.message(caption)
        async with self._trail.db.transaction() as session:
            staff, ticket = await self._checked(session, actor, number, Action.REPLY)
            event = await self._trail.record(
                session, ticket, staff, EventKind.REPLY, public_message=text,
                details={"photo": file_id},
            )  # fmt: skip
            owner = await session.get(Resident, ticket.resident_id)
            if owner is not None:
                params = {"number": ticket.number, "message": text or ""}
                await notify.to_person(
                    session, ticket, event, owner, self._trail.settings, "ticket.staff_photo",
                    params, photos=[file_id],
                )  # fmt: skip
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def note(self, actor: Actor, number: str, text: str) -> StaffTicketView:
        """An internal note: in the audit trail, never shown to residents."""
        text = check.message(text, "the note")
        async with self._trail.db.transaction() as session:
            staff, ticket = await self._checked(session, actor, number, Action.NOTE)
            await self._trail.record(session, ticket, staff, EventKind.NOTE, internal_note=text)
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def assign(self, actor: Actor, number: str, assignee: int) -> StaffTicketView:
        """Give an open ticket to a staff member (who is told privately)."""
        async with self._trail.db.transaction() as session:
            staff, ticket = await self._checked(session, actor, number, Action.ASSIGN)
            person = await self._trail.staff_member(session, assignee)
            if person is None:
                raise NotStaff(assignee)
            details = {"from": ticket.assignee_telegram_id, "to": assignee}
            ticket.assignee_telegram_id = assignee
            event = await self._trail.record(
                session, ticket, staff, EventKind.ASSIGN, details=details
            )
            if assignee != actor.telegram_id:
                await notify.to_person(
                    session, ticket, event, person, self._trail.settings, "staff.assigned",
                    {"number": ticket.number, "category": ticket.category,
                     "description": ticket.description, "phone": ticket.phone or "",
                     "resolution_due_at": ticket.resolution_due_at.isoformat()},
                )  # fmt: skip
            else:
                await self._tell_phone(session, ticket, event, person)
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def roster(self, actor: Actor) -> Roster:
        """Who can be assigned, in the order the assign buttons show them."""
        async with self._trail.db.transaction() as session:
            await self._trail.staff(session, actor)
            people = await _staff_list(session)
            # Someone who has not written to linli yet has no name: their Telegram id, as
            # the operator entered it (`linli staff add ID`), is what the desk knows them by.
            names = tuple(p.display_name or f"ID {p.telegram_id}" for p in people)
            return Roster(_roster_version(people), names)

    async def assign_picked(
        self, actor: Actor, number: str, position: int, version: str
    ) -> StaffTicketView:
        """``assign`` to the person at ``position`` of the roster ``version`` showed;
        StaleRoster when the list has changed since (nothing changes)."""
        async with self._trail.db.transaction() as session:
            await self._trail.staff(session, actor)
            people = await _staff_list(session)
        if _roster_version(people) != version or not 0 <= position < len(people):
            raise StaleRoster()
        return await self.assign(actor, number, people[position].telegram_id)

    async def merge(
        self, actor: Actor, number: str, into: str, note: str | None = None
    ) -> StaffTicketView:
        """Merge a duplicate into another open ticket: its filer and followers follow that one."""
        async with self._trail.db.transaction() as session:
            staff, ticket = await self._checked(session, actor, number, Action.MERGE)
            target = await self._trail.ticket(session, into)
            if target.id == ticket.id or not lifecycle.is_open(target.status):
                raise CannotMerge(target.number, target.status, itself=target.id == ticket.id)
            now = self._trail.clock()
            await repo.move_followers(session, ticket.id, target.id, now)
            if ticket.resident_id != target.resident_id:
                await repo.add_follower(session, target.id, ticket.resident_id, now)
            ticket.merged_into_id = target.id
            event = await self._trail.record(
                session, ticket, staff, EventKind.TRANSITION,
                to_status=TicketStatus.MERGED.value, internal_note=note,
                details={"into": target.number},
            )  # fmt: skip
            params = {"number": ticket.number, "into": target.number}
            await notify.to_resident_and_followers(
                session, ticket, event, self._trail.settings, "ticket.merged", params,
                followers=("ticket.merged", params),
            )  # fmt: skip
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def get_ticket_for_staff(self, actor: Actor, number: str) -> StaffTicketView:
        """One ticket with its full audit trail (/ticket in the staff chat)."""
        async with self._trail.db.transaction() as session:
            _, ticket = await self._trail.desk_ticket(session, actor, number)
            return await self._trail.staff_view(session, ticket, actor, events=True)

    async def list_queue(self, actor: Actor, limit: int = 50) -> tuple[StaffTicketView, ...]:
        """Open tickets, the soonest resolution due first (/queue)."""
        return await self._list_open(actor, limit)

    async def list_mine(self, actor: Actor, limit: int = 50) -> tuple[StaffTicketView, ...]:
        """Open tickets assigned to the caller (/mine)."""
        return await self._list_open(actor, limit, assignee=actor.telegram_id)

    async def get_ticket_for_staff_by_id(self, actor: Actor, ticket_id: int) -> StaffTicketView:
        """One ticket by its id, without the trail (card buttons carry the id, not the number)."""
        async with self._trail.db.transaction() as session:
            staff = await self._trail.staff(session, actor)
            ticket = await repo.get_ticket(session, ticket_id)
            if ticket is None:
                raise NotFound(f"ticket id {ticket_id}")
            bind_ticket(ticket.number)
            check_may_act(actor, staff, ticket, self._trail.settings.staff_chat_id)
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def number_for_thread(self, actor: Actor, thread_id: int) -> str:
        """The number of the ticket whose staff-chat forum topic is ``thread_id``; NotFound
        for a topic that belongs to no ticket (e.g. a topic staff opened themselves)."""
        async with self._trail.db.transaction() as session:
            await self._trail.staff(session, actor)
            # Not a hot path (one lookup per staff message in a topic), so no index is kept.
            number = await session.scalar(
                select(Ticket.number).where(Ticket.staff_thread_id == thread_id).limit(1)
            )
            if number is None:
                raise NotFound(f"topic {thread_id}")
            return number

    async def _list_open(
        self, actor: Actor, limit: int, assignee: int | None = None
    ) -> tuple[StaffTicketView, ...]:
        async with self._trail.db.transaction() as session:
            staff = await self._trail.staff(session, actor)
            # In a unit's chat its staff see their unit's queue; the central chat, officials
            # and admins see every unit's.
            unit = unit_of_chat(actor.chat_id) if Role(staff.role) is Role.STAFF else None
            rows = await repo.list_open(
                session,
                assignee_telegram_id=assignee,
                limit=limit,
                unit_id=None if unit is None else unit.id,
            )
            return await self._trail.staff_views(session, rows, actor)

    async def _checked(
        self, session: AsyncSession, actor: Actor, number: str, action: Action
    ) -> tuple[Resident, Ticket]:
        staff, ticket = await self._trail.desk_ticket(session, actor, number)
        holder = ticket.assignee_telegram_id
        if (
            action is Action.ACCEPT
            and holder not in (None, actor.telegram_id)
            and lifecycle.is_open(ticket.status)
            and not lifecycle.allows(action, ticket.status)
        ):
            assert holder is not None  # for mypy: checked just above
            person = await residents_repo.get_resident(session, holder)
            name = None if person is None else person.display_name
            raise AlreadyTaken(ticket.number, ticket.status, holder, name)
        lifecycle.check(ticket.number, action, ticket.status)
        return staff, ticket

    async def _change(
        self, actor: Actor, number: str, action: Action, message: str | None, take: bool = False
    ) -> StaffTicketView:
        """A status change with an optional public message, notified to the resident."""
        text = None if message is None or not message.strip() else check.message(message)
        async with self._trail.db.transaction() as session:
            staff, ticket = await self._checked(session, actor, number, action)
            if action is Action.RESOLVE and text is None and ticket.category == ENQUIRY:
                replies = [EventKind.REPLY.value]  # a typed reply or a photo with words
                if not await repo.list_events_of_kinds(session, [ticket.id], replies):
                    raise EnquiryUnanswered(ticket.number)
            took = take and ticket.assignee_telegram_id is None
            if took:
                ticket.assignee_telegram_id = actor.telegram_id
            event = await self._trail.change_status(session, ticket, staff, action, text)
            await self._trail.announce(session, ticket, event, text)
            if took:
                await self._tell_phone(session, ticket, event, staff)
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def _tell_phone(
        self, session: AsyncSession, ticket: Ticket, event: TicketEvent, assignee: Resident
    ) -> None:
        """The full phone number, privately to the new assignee (the staff chat sees it masked)."""
        if ticket.phone:
            params = {"number": ticket.number, "phone": ticket.phone}
            await notify.to_person(
                session, ticket, event, assignee, self._trail.settings, "staff.contact", params
            )


async def _staff_list(session: AsyncSession) -> list[Resident]:
    roles = [role.value for role in STAFF_ROLES]
    rows = await session.scalars(
        select(Resident).where(Resident.role.in_(roles)).order_by(Resident.telegram_id)
    )
    return list(rows)


def _roster_version(people: list[Resident]) -> str:
    """A short digest of who is on the list and in which order (not a secret: every pick is
    checked again by role; it only tells a changed list from the one a button came from)."""
    ids = ",".join(f"{p.telegram_id}:{p.role}" for p in people)
    return hashlib.blake2s(ids.encode(), digest_size=4).hexdigest()
