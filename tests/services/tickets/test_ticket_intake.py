"""Enquiries from the query log, following instead of filing, and the rating buttons'
lookup by ticket id."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.access import Actor
from services.errors import NotFound
from storage.models import Ticket
from storage.repositories.query_log import LoggedQuestion, add_query
from storage.repositories.residents import get_resident
from tests.services.conftest import (
    NEIGHBOUR,
    NEIGHBOUR_PRIVATE,
    NOISE,
    RESIDENT,
    RESIDENT_PRIVATE,
    STRANGER,
    T0,
    Desk,
    file_noise,
)


async def _log_question(desk: Desk, who: int, text: str) -> int:
    async with desk.db.transaction() as session:
        assert await get_resident(session, who) is not None
        return await add_query(session, LoggedQuestion(who, T0, text, text, "none", None, 0.0, []))


async def test_an_enquiry_from_the_query_log_is_filed_once(lite_desk: Desk) -> None:
    svc = lite_desk.tickets
    query_id = await _log_question(lite_desk, RESIDENT, "  明天天气怎么样 ")

    ticket, filed = await svc.filing.file_enquiry_from_query(RESIDENT_PRIVATE, query_id)
    again, filed_again = await svc.filing.file_enquiry_from_query(RESIDENT_PRIVATE, query_id)

    assert (ticket.category, ticket.description, filed) == ("enquiry", "明天天气怎么样", True)
    assert (again.number, filed_again) == (ticket.number, False)
    async with lite_desk.db.transaction() as session:
        assert len(list(await session.scalars(select(Ticket)))) == 1


async def test_another_residents_question_cannot_be_filed(lite_desk: Desk) -> None:
    query_id = await _log_question(lite_desk, RESIDENT, "明天天气怎么样")
    with pytest.raises(NotFound):
        await lite_desk.tickets.filing.file_enquiry_from_query(Actor.in_private(STRANGER), query_id)
    with pytest.raises(NotFound):
        await lite_desk.tickets.filing.file_enquiry_from_query(RESIDENT_PRIVATE, query_id + 100)


async def test_following_instead_of_filing_drops_the_draft(lite_desk: Desk) -> None:
    svc = lite_desk.tickets
    number = await file_noise(lite_desk)
    await svc.filing.start_draft(NEIGHBOUR_PRIVATE)
    await svc.filing.update_draft(
        NEIGHBOUR_PRIVATE, category="noise", description=NOISE.description
    )
    followed = await svc.filing.follow_ticket(NEIGHBOUR_PRIVATE, number, discard_draft=True)
    assert (followed.number, followed.is_owner) == (number, False)
    assert await svc.filing.get_draft(NEIGHBOUR_PRIVATE) is None


async def test_own_ticket_by_id_for_the_rating_buttons(lite_desk: Desk) -> None:
    svc = lite_desk.tickets
    number = await file_noise(lite_desk)
    async with lite_desk.db.transaction() as session:
        ticket_id = (await session.scalars(select(Ticket.id))).one()
    assert (
        await svc.resident.get_own_ticket_by_id(Actor.in_private(RESIDENT), ticket_id)
    ).number == number
    with pytest.raises(NotFound):
        await svc.resident.get_own_ticket_by_id(Actor.in_private(NEIGHBOUR), ticket_id)
    with pytest.raises(NotFound):
        await svc.resident.get_own_ticket_by_id(Actor.in_private(RESIDENT), ticket_id + 1)
