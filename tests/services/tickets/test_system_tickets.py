"""What linli does to tickets by itself: draft upkeep (owners, expiry) and the forum topic
the delivery worker records for a ticket's card."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.access import Actor
from services.errors import NotFound
from storage.models import OutboxMessage
from tests.services.conftest import (
    NEIGHBOUR_PRIVATE,
    RESIDENT,
    RESIDENT_PRIVATE,
    STAFF,
    STAFF_CHAT,
    Desk,
    file_noise,
)


async def test_idle_drafts_expire(desk: Desk) -> None:
    svc = desk.tickets
    await svc.filing.start_draft(RESIDENT_PRIVATE)
    desk.clock.advance(minutes=20)
    await svc.filing.start_draft(NEIGHBOUR_PRIVATE)

    desk.clock.advance(minutes=15)  # RESIDENT idle 35 min, NEIGHBOUR 15 min
    expired = await svc.system.expire_drafts(desk.clock.now, timedelta(minutes=30))

    assert expired == (RESIDENT,)
    async with desk.db.transaction() as session:
        [message] = list(await session.scalars(select(OutboxMessage)))
    assert (message.telegram_id, message.message_key, message.params) == (
        RESIDENT,
        "filing.expired",
        {"minutes": 30},
    )
    assert await svc.filing.get_draft(RESIDENT_PRIVATE) is None
    assert await svc.filing.get_draft(NEIGHBOUR_PRIVATE) is not None
    assert await svc.system.expire_drafts(desk.clock.now, timedelta(minutes=30)) == ()


async def test_typing_keeps_a_draft_alive(lite_desk: Desk) -> None:
    svc = lite_desk.tickets
    await svc.filing.start_draft(RESIDENT_PRIVATE)
    lite_desk.clock.advance(minutes=25)
    await svc.filing.update_draft(RESIDENT_PRIVATE, category="noise", step="description")
    lite_desk.clock.advance(minutes=25)
    assert await svc.system.expire_drafts(lite_desk.clock.now, timedelta(minutes=30)) == ()


async def test_the_first_topic_recorded_wins(desk: Desk) -> None:
    number = await file_noise(desk)
    ticket_id = (await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)).id
    first, second = await asyncio.gather(
        desk.tickets.system.set_staff_thread(ticket_id, 11),
        desk.tickets.system.set_staff_thread(ticket_id, 12),
    )
    assert first == second
    assert await desk.tickets.system.set_staff_thread(ticket_id, 13) == first
    with pytest.raises(NotFound):
        await desk.tickets.system.set_staff_thread(ticket_id + 100, 14)


async def test_the_topic_of_a_ticket_is_none_until_recorded(desk: Desk) -> None:
    number = await file_noise(desk)
    ticket_id = (await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)).id
    assert await desk.tickets.system.staff_thread(ticket_id) is None
    await desk.tickets.system.set_staff_thread(ticket_id, 21)
    assert await desk.tickets.system.staff_thread(ticket_id) == 21
    with pytest.raises(NotFound):
        await desk.tickets.system.staff_thread(ticket_id + 100)
