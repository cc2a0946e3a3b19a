"""Canned replies (常用语): texts staff send with one press, kept by admins.

Stored in a table (canned_replies), not in the district's YAML folder: admins change them
from Telegram, and a change must persist and reach every process at once, which the
database gives for free. The migration writes a bundled sample set (marked sample) for
operators to edit or remove; removed texts stay in the table with who removed them, when.

A text belongs to one action (reply, resolve, reject) and to one category or to all
(None); its placeholders are filled from the ticket when staff pick it: {number} the
ticket number, {due} the resolution due time in the district's time zone, {unit} the unit
that holds the ticket (else its community, else the service centre),
{category} the category's title. Admins manage them in their private chat with linli or
at the desk (the staff chat or a unit's chat); staff pick them at the desk, on the tickets
they may act on from there (TicketTrail.staff's rule and services/tickets/units.py).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor, WrongPlace
from services.district import current
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.lengths import text_units
from services.residents.awaiting import Owed
from services.residents.staff_chat import STAFF_CHAT
from services.tickets.categories import category_title, get_category
from services.tickets.desk import StaffDesk
from services.tickets.lifecycle import Action
from services.tickets.prompts import PROMPTED
from services.tickets.trail import TicketTrail
from services.tickets.units import CENTRE, check_may_act, holder
from services.tickets.views import StaffTicketView
from storage import Role
from storage.models import CannedReply, Ticket
from storage.repositories import awaiting as owed_repo
from storage.repositories import canned as repo
from storage.repositories import residents as residents_repo
from storage.repositories import tickets as tickets_repo

ACTIONS = ("reply", "resolve", "reject")
"""The desk actions a canned text can be for, in the order lists show them."""
PLACEHOLDERS = ("number", "due", "unit", "category")
ALL_CATEGORIES = "*"
"""How an admin says "every category" when adding a text."""
MAX_CANNED = 500
"""UTF-16 units: room for a few sentences, and the filled text stays far below a message's
limit."""
DUE_FORMAT = "%Y-%m-%d %H:%M"


class UnknownAction(InvalidInput):
    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"unknown action {action!r}")


class UnknownPlaceholder(InvalidInput):
    """A {name} the text may not hold (or a brace that opens no placeholder)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown placeholder {{{name}}}")


class EmptyText(InvalidInput):
    def __init__(self) -> None:
        super().__init__("the text is empty")


class CannedTooLong(InvalidInput):
    def __init__(self) -> None:
        super().__init__(f"the text is longer than {MAX_CANNED}")


class CannedNotFound(NotFound):
    """No text in use has this id (never had, or removed since its button was shown)."""

    def __init__(self, canned_id: int) -> None:
        self.canned_id = canned_id
        super().__init__(f"canned reply {canned_id}")


class NotForTicket(InvalidInput):
    """A canned text of another action or category than the ticket's (a forged button)."""

    def __init__(self) -> None:
        super().__init__("this text is not for this ticket")


class PromptClosed(InvalidInput):
    """A reply or reject text picked under a prompt no longer open: answered, cancelled,
    dropped by another command, expired, or replaced by a newer one."""

    def __init__(self) -> None:
        super().__init__("the prompt is no longer open")


@dataclass(frozen=True, slots=True)
class CannedSent:
    """What a picked text did: its action, and the ticket as it now stands."""

    action: str
    ticket: StaffTicketView


@dataclass(frozen=True, slots=True)
class CannedView:
    id: int
    action: str
    category: str | None  # None: every category
    text: str
    sample: bool
    created_at: datetime
    created_by: int | None  # None: the operator or the bundled set
    removed_at: datetime | None = None
    removed_by: int | None = None


class CannedReplies:
    """Admins manage the texts; staff have them offered and send one."""

    def __init__(self, trail: TicketTrail, desk: StaffDesk) -> None:
        self._trail = trail
        self._desk = desk

    async def list(self, actor: Actor) -> tuple[CannedView, ...]:
        """Every text in use, by action, the categories' own before those for all (/canned):
        staff at the desk, where they pick them, and admins in their private chat too.
        PermissionDenied without a staff role, WrongPlace elsewhere."""
        async with self._trail.db.transaction() as session:
            await self._reader(session, actor)
            return tuple(_view(r) for r in await repo.list_in_use(session))

    async def add(self, actor: Actor, action: str, category: str, text: str) -> CannedView:
        """A new text; category "*" for every category. Refused (nothing written) for an
        unknown action or category, an empty or too long text, an unknown placeholder."""
        checked = _checked(action, category, text)
        async with self._trail.db.transaction() as session:
            await self._admin(session, actor)
            return await self._add(session, actor.telegram_id, *checked)

    async def remove(self, actor: Actor, canned_id: int) -> CannedView:
        """Take a text out of use (it stays on record, with who removed it and when)."""
        async with self._trail.db.transaction() as session:
            await self._admin(session, actor)
            return await self._remove(session, actor.telegram_id, canned_id)

    async def list_by_operator(self, removed_too: bool = False) -> tuple[CannedView, ...]:
        """``linli canned list [--all]``: the operator needs no role; ``removed_too`` shows
        the record of every change (who added and removed each text, when)."""
        async with self._trail.db.transaction() as session:
            rows = await repo.list_in_use(session, removed_too=removed_too)
            return tuple(_view(r) for r in rows)

    async def add_by_operator(self, action: str, category: str, text: str) -> CannedView:
        checked = _checked(action, category, text)
        async with self._trail.db.transaction() as session:
            return await self._add(session, None, *checked)

    async def remove_by_operator(self, canned_id: int) -> CannedView:
        async with self._trail.db.transaction() as session:
            return await self._remove(session, None, canned_id)

    async def offered(self, actor: Actor, ticket_id: int, action: str) -> tuple[CannedView, ...]:
        """The texts for ``action`` on this ticket's category (its own first), for the
        buttons under a prompt; staff at the desk only."""
        if action not in ACTIONS:
            raise UnknownAction(action)
        async with self._trail.db.transaction() as session:
            ticket = await self._desk_ticket(session, actor, ticket_id)
            rows = await repo.list_in_use(session, action=action, category=ticket.category)
            return tuple(_view(r) for r in rows)

    async def send(
        self, actor: Actor, canned_id: int, ticket_id: int, under: int | None = None
    ) -> CannedSent:
        """Send a canned text, filled for the ticket: a reply's or a resolve's text goes to
        the resident as a reply (a resolve text is offered once the ticket is resolved), a
        reject's text rejects the ticket with it as the reason. The desk checks role, staff
        chat and the ticket's status again as it acts.

        A reply's or reject's text answers the prompt it was offered under (``under``, the
        prompt's message in the actor's chat), which it takes: PromptClosed once that prompt
        is answered, cancelled or expired, so a cancelled reject rejects nothing."""
        async with self._trail.db.transaction() as session:
            ticket = await self._desk_ticket(session, actor, ticket_id)
            row = await repo.get_in_use(session, canned_id)
            if row is None:
                raise CannedNotFound(canned_id)
            if row.category not in (None, ticket.category):
                raise NotForTicket()
            number, action, text = ticket.number, row.action, self._fill(row.text, ticket)
            if action in PROMPTED:
                await self._take_prompt(session, actor, PROMPTED[action], ticket, under)
        if action == Action.REJECT.value:
            return CannedSent(action, await self._desk.reject(actor, number, text))
        return CannedSent(action, await self._desk.reply(actor, number, text))

    async def _take_prompt(
        self, session: AsyncSession, actor: Actor, owed: Owed, ticket: Ticket, under: int | None
    ) -> None:
        taken = None
        if under is not None:
            taken = await owed_repo.take_asked_in_chat(
                session,
                kinds=[owed.value],
                chat_id=actor.chat_id,
                now=self._trail.clock(),
                message_id=under,
                reference=str(ticket.id),
            )
        if taken is None:
            raise PromptClosed()

    def _fill(self, text: str, ticket: Ticket) -> str:
        due = ticket.resolution_due_at.astimezone(self._trail.calendar.tz).strftime(DUE_FORMAT)
        values = {
            "number": ticket.number,
            "due": due,
            "unit": unit_name(ticket),
            "category": category_title(ticket.category),
        }
        return text.format_map(values)

    async def _desk_ticket(self, session: AsyncSession, actor: Actor, ticket_id: int) -> Ticket:
        """The ticket, if ``actor`` may act on it from where they ask (the desk's rule)."""
        staff = await self._trail.staff(session, actor)
        ticket = await _ticket(session, ticket_id)
        check_may_act(actor, staff, ticket, self._trail.settings.staff_chat_id)
        return ticket

    async def _reader(self, session: AsyncSession, actor: Actor) -> None:
        """Staff, officials and admins at the desk; admins in their own chat with linli."""
        person = await self._trail.staff_member(session, actor.telegram_id)
        if person is None:
            raise PermissionDenied("staff")
        admin_at_home = actor.private and person.role == Role.ADMIN.value
        if not (admin_at_home or self._trail.at_desk(actor)):
            raise WrongPlace(STAFF_CHAT)

    async def _admin(self, session: AsyncSession, actor: Actor) -> None:
        """Admins, in their own chat with linli or at the desk."""
        person = await residents_repo.get_resident(session, actor.telegram_id)
        if person is None or person.role != Role.ADMIN.value:
            raise PermissionDenied("admin")
        if not (actor.private or self._trail.at_desk(actor)):
            raise WrongPlace("private or the staff chat")

    async def _add(
        self,
        session: AsyncSession,
        by: int | None,
        action: str,
        category: str | None,
        text: str,
    ) -> CannedView:
        row = await repo.add(
            session,
            action=action,
            category=category,
            text=text,
            created_at=self._trail.clock(),
            created_by=by,
        )
        return _view(row)

    async def _remove(self, session: AsyncSession, by: int | None, canned_id: int) -> CannedView:
        row = await repo.get_in_use(session, canned_id)
        if row is None:
            raise CannedNotFound(canned_id)
        row.removed_at = self._trail.clock()
        row.removed_by = by
        return _view(row)


def unit_name(ticket: Ticket) -> str:
    """Who handles a ticket, as residents read it: the unit that holds it, else its
    community, else the service centre (the central desk)."""
    unit = holder(ticket)
    if unit is not None:
        return unit.name
    place = current.get().community(ticket.community)
    return place.name if place is not None else CENTRE


def _checked(action: str, category: str, text: str) -> tuple[str, str | None, str]:
    if action not in ACTIONS:
        raise UnknownAction(action)
    category_id = None if category == ALL_CATEGORIES else get_category(category).id
    text = text.strip()
    if not text:
        raise EmptyText()
    if text_units(text) > MAX_CANNED:
        raise CannedTooLong()
    _check_placeholders(text)
    return action, category_id, text


def _check_placeholders(text: str) -> None:
    """Only the known {names}, without formats or conversions; a stray brace is refused
    too ("{{" and "}}" stand for a brace)."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise UnknownPlaceholder("") from exc
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise UnknownPlaceholder(name)


async def _ticket(session: AsyncSession, ticket_id: int) -> Ticket:
    ticket = await tickets_repo.get_ticket(session, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket id {ticket_id}")
    return ticket


def _view(row: CannedReply) -> CannedView:
    return CannedView(
        row.id,
        row.action,
        row.category,
        row.text,
        row.sample,
        row.created_at,
        row.created_by,
        row.removed_at,
        row.removed_by,
    )
