"""Lookups the staff desk in Telegram needs: a card button's ticket id, a forum topic's ticket."""

from __future__ import annotations

import pytest

from services.access import Actor
from services.errors import NotFound, PermissionDenied
from tests.services.conftest import RESIDENT, STAFF, STAFF_CHAT, Desk, file_noise


async def test_a_card_button_finds_its_ticket_by_id(desk: Desk) -> None:
    number = await file_noise(desk)
    by_number = await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    by_id = await desk.tickets.staff.get_ticket_for_staff_by_id(
        Actor(STAFF, STAFF_CHAT), by_number.id
    )
    assert (by_id.number, by_id.status, by_id.events) == (number, "new", ())
    with pytest.raises(NotFound):
        await desk.tickets.staff.get_ticket_for_staff_by_id(
            Actor(STAFF, STAFF_CHAT), by_number.id + 100
        )
    with pytest.raises(PermissionDenied):
        await desk.tickets.staff.get_ticket_for_staff_by_id(
            Actor(RESIDENT, STAFF_CHAT), by_number.id
        )


async def test_a_forum_topic_maps_to_its_ticket(desk: Desk) -> None:
    number = await file_noise(desk)
    ticket_id = (await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)).id
    with pytest.raises(NotFound):
        await desk.tickets.staff.number_for_thread(Actor(STAFF, STAFF_CHAT), 77)
    assert await desk.tickets.system.set_staff_thread(ticket_id, 77) == 77
    assert await desk.tickets.staff.number_for_thread(Actor(STAFF, STAFF_CHAT), 77) == number
    assert (
        await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    ).staff_thread_id == 77
    with pytest.raises(PermissionDenied):
        await desk.tickets.staff.number_for_thread(Actor(RESIDENT, STAFF_CHAT), 77)
