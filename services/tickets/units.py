"""Units (派单): which unit a new ticket goes to, which holds a ticket, where its staff work,
and who may act on it (services/tickets/dispatch.py moves tickets between units).

A new ticket goes to the unit its category and community route to (the district's
``routes``), as a card in that unit's chat (or forum topic); with no rule, to the central
staff chat, where the service centre dispatches by hand. A sample configuration dispatches
nothing: its chat ids are placeholders, so every ticket stays in the central staff chat
until the operator configures their own units.

Who may act: the desk is the central staff chat and every unit's chat. Officials and admins
act on every ticket from any of them; staff act from the central chat on every ticket, and
from a unit's chat only on the tickets that unit holds: a unit's chat is its door, and
Telegram keeps who is in it.
"""

from __future__ import annotations

from services.access import Actor
from services.district import current
from services.district.current import dispatching
from services.district.model import Unit
from services.errors import InvalidInput, PermissionDenied
from storage import Role
from storage.models import Resident, Ticket

CENTRE = "社区服务中心"
"""Who holds a ticket no unit holds: the central desk."""
CENTRE_NAMES = frozenset({CENTRE, "中心", "centre", "center"})
"""What /transfer takes for "back to the central staff chat"."""


class OtherUnit(PermissionDenied):
    """A staff member asked, from their unit's chat, about a ticket another unit holds."""

    def __init__(self, number: str, unit: str) -> None:
        self.number = number
        self.unit = unit
        super().__init__(f"{number} is held by {unit}")


class CannotTransfer(InvalidInput):
    """/transfer named an unknown unit, or the unit that already holds the ticket."""

    def __init__(self, unit: str, same: bool) -> None:
        self.unit = unit
        self.same = same
        super().__init__(f"cannot transfer to {unit}")


def route(category: str, community: str | None) -> str | None:
    """The id of the unit a new ticket goes to; None: the central staff chat."""
    if not dispatching():
        return None
    unit = current.get().route(category, community)
    return None if unit is None else unit.id


def holder(ticket: Ticket) -> Unit | None:
    """The unit that holds the ticket, if it is one the live configuration still has."""
    if ticket.unit_id is None or not dispatching():
        return None
    return current.get().unit(ticket.unit_id)


def desk_place(ticket: Ticket, central: int | None) -> tuple[int | None, int | None]:
    """(chat, forum topic) where staff work on the ticket: its unit's, else the central
    chat and the ticket's own topic there."""
    unit = holder(ticket)
    if unit is None:
        return central, ticket.staff_thread_id
    return unit.chat_id, unit.topic_id


def check_may_act(actor: Actor, person: Resident, ticket: Ticket, central: int | None) -> None:
    """OtherUnit unless ``person`` (staff at the desk already) may act on ``ticket`` from
    the chat they ask in: see the module docstring."""
    if Role(person.role) is not Role.STAFF or actor.chat_id == central:
        return
    unit = holder(ticket)
    if unit is None or unit.chat_id != actor.chat_id:
        raise OtherUnit(ticket.number, held_by(ticket))


def held_by(ticket: Ticket) -> str:
    """The name of the desk that holds the ticket: its unit's, or the service centre's."""
    unit = holder(ticket)
    return CENTRE if unit is None else unit.name


def unit_of_chat(chat_id: int) -> Unit | None:
    """The unit whose chat this is (for the queue a unit's chat shows)."""
    if not dispatching():
        return None
    return next((u for u in current.get().units if u.chat_id == chat_id), None)


def find_unit(text: str) -> Unit | None:
    """The configured unit ``text`` names, by id or by name (none while dispatching is off)."""
    if not dispatching():
        return None
    wanted = text.strip()
    return next((u for u in current.get().units if wanted in (u.id, u.name)), None)


def unit_names() -> tuple[str, ...]:
    """The units a ticket can be transferred to, for a refusal that lists them."""
    return tuple(u.name for u in current.get().units) if dispatching() else ()
