"""Canned replies where the district dispatches to units: {unit} names the unit that holds
the ticket (else the ticket's community), and a unit's staff pick texts only on their unit's
tickets (the desk's one rule, services/tickets/units.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.access import Actor
from services.tickets.units import OtherUnit
from storage.models import OutboxMessage
from tests.services.conftest import ADMIN, RESIDENT_PRIVATE, STAFF, Desk
from tests.services.tickets.test_dispatch import (
    LEAKING_PIPE,
    NOISE,
    PROPERTY_CHAT,
    RC_B_CHAT,
    STAFF_CHAT,
    _ticket,
    district,
)

__all__ = ["district"]  # the fixture: a district of its own, which dispatches


async def _replies(desk: Desk) -> list[str]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.message_key == "ticket.staff_reply")
            .order_by(OutboxMessage.id)
        )
        return [str(r.params["message"]) for r in rows]


async def test_unit_names_the_holder_else_the_community(desk: Desk) -> None:
    canned = await desk.tickets.canned.add(
        Actor(ADMIN, PROPERTY_CHAT), "reply", "*", "{unit}已受理"
    )
    pipe = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)).number
    noise = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, NOISE)).number
    pipe_id, noise_id = (await _ticket(desk, pipe)).id, (await _ticket(desk, noise)).id
    for actor, number, ticket_id in (
        (Actor(STAFF, PROPERTY_CHAT), pipe, pipe_id),
        (Actor(STAFF, STAFF_CHAT), noise, noise_id),
    ):
        await desk.tickets.prompts.open(actor, number, 5001, "reply")  # 💬 答复's prompt
        await desk.tickets.canned.send(actor, canned.id, ticket_id, 5001)
    assert await _replies(desk) == ["阳光物业已受理", "阳光社区已受理"]


async def test_a_units_staff_pick_only_on_their_units_tickets(desk: Desk) -> None:
    pipe = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)).number
    pipe_id = (await _ticket(desk, pipe)).id
    with pytest.raises(OtherUnit):
        await desk.tickets.canned.offered(Actor(STAFF, RC_B_CHAT), pipe_id, "reply")
    with pytest.raises(OtherUnit):
        await desk.tickets.canned.send(Actor(STAFF, RC_B_CHAT), 1, pipe_id)
    assert await _replies(desk) == []
    assert (await _ticket(desk, pipe)).status == "new"
