"""Moving a ticket to another unit (转派), recorded, with the card in the new unit's chat.

Where tickets go and who may act on them is services/tickets/units.py.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.district.model import Unit
from services.errors import NotFound
from services.tickets import notify
from services.tickets import validation as check
from services.tickets.lifecycle import Action
from services.tickets.lifecycle import check as allowed
from services.tickets.trail import TicketTrail
from services.tickets.units import (
    CENTRE,
    CENTRE_NAMES,
    CannotTransfer,
    desk_place,
    find_unit,
    holder,
)
from services.tickets.views import StaffTicketView
from storage.models import EventKind, Resident, Ticket, TicketEvent


class Dispatch:
    """Moving tickets between units (转派)."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def transfer(
        self, actor: Actor, number: str, unit_id: str, reason: str
    ) -> StaffTicketView:
        """Move an open ticket to the unit ``unit_id`` names (its id or name; 中心 / centre:
        back to the central staff chat) with a reason: recorded in the trail, the card in the
        new unit's chat, and the chat it left told. CannotTransfer for an unknown unit or the
        one holding it already; InvalidTransition for a ticket no longer open."""
        reason = check.message(reason, "the reason")
        async with self._trail.db.transaction() as session:
            staff, ticket = await self._trail.desk_ticket(session, actor, number)
            allowed(ticket.number, Action.ASSIGN, ticket.status)  # open tickets only, as assign
            unit = find_unit(unit_id)
            if unit is None and unit_id.strip() not in CENTRE_NAMES:
                raise CannotTransfer(unit_id.strip(), same=False)
            to = None if unit is None else unit.id
            if to == ticket.unit_id:
                raise CannotTransfer(CENTRE if unit is None else unit.name, same=True)
            before = holder(ticket)
            event = await self._trail.record(
                session, ticket, staff, EventKind.TRANSFER, internal_note=reason,
                details={"from": ticket.unit_id, "to": to},
            )  # fmt: skip
            central = self._trail.settings.staff_chat_id
            left = desk_place(ticket, central)
            ticket.unit_id = to
            await self._tell(session, ticket, event, before, unit, reason, left)
            return await self._trail.staff_view(session, ticket, actor, events=False)

    async def _tell(
        self,
        session: AsyncSession,
        ticket: Ticket,
        event: TicketEvent,
        before: Unit | None,
        unit: Unit | None,
        reason: str,
        left: tuple[int | None, int | None],
    ) -> None:
        """The card again, in the new unit's chat, with why it came; a line in the chat the
        ticket left."""
        filer = await session.get(Resident, ticket.resident_id)
        if filer is None:  # a foreign key holds it; an erased resident keeps their row
            raise NotFound(f"resident of {ticket.number}")
        settings = self._trail.settings
        arrived = {"number": ticket.number, "from_unit": CENTRE if before is None else before.name,
                   "reason": reason}  # fmt: skip
        await notify.to_staff_chat(
            session, ticket, event, settings, "staff.transferred_in", arrived
        )
        await notify.to_staff_chat(
            session, ticket, event, settings, "staff.card", notify.card_params(ticket, filer),
            buttons=notify.staff_buttons(ticket.id, ticket.status), photos=list(ticket.photos),
            second=True,
        )  # fmt: skip
        chat, thread = left
        if chat is not None and chat != desk_place(ticket, settings.staff_chat_id)[0]:
            await notify.to_staff_chat(
                session, ticket, event, settings, "staff.transferred_out",
                {"number": ticket.number, "unit": CENTRE if unit is None else unit.name},
                place=(chat, thread),
            )  # fmt: skip
