"""Review of a rejection (申请复核): who may ask, from where, in which status, how late and
how often; each refusal changes nothing; an official reopens or upholds, once."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select

from services.access import Actor, WrongPlace
from services.errors import InvalidInput, NotFound
from services.tickets.reviews import CannotReview, Decision
from services.tickets.supervision import NotSupervisor
from storage.models import OutboxMessage, Ticket, TicketEvent
from tests.services.conftest import (
    NEIGHBOUR_PRIVATE,
    OFFICIAL,
    RESIDENT,
    RESIDENT_PRIVATE,
    STAFF,
    STAFF_CHAT,
    Desk,
    file_noise,
)

AT_DESK = Actor(STAFF, STAFF_CHAT)
AS_OFFICIAL = Actor.in_private(OFFICIAL)


async def _rejected(desk: Desk) -> tuple[str, int]:
    number = await file_noise(desk)
    await desk.tickets.staff.reject(AT_DESK, number, "不属于社区管理范围，请联系物业")
    return number, (await _ticket(desk, number)).id


async def _ticket(desk: Desk, number: str) -> Ticket:
    async with desk.db.transaction() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        return ticket


async def _counts(desk: Desk) -> tuple[int, int]:
    async with desk.db.transaction() as session:
        events = len(list(await session.scalars(select(TicketEvent))))
        outbox = len(list(await session.scalars(select(OutboxMessage))))
        return events, outbox


async def _outbox(desk: Desk) -> list[tuple[int, str]]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.chat_id, r.message_key) for r in rows]


async def test_the_rejection_offers_the_review_to_its_resident_only(lite_desk: Desk) -> None:
    _, ticket_id = await _rejected(lite_desk)
    async with lite_desk.db.transaction() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.message_key == "ticket.rejected")
        )
        assert row is not None and row.chat_id == RESIDENT
        assert row.buttons == [[{"key": "button.ticket.review", "data": f"rv:ask:{ticket_id}"}]]


async def test_asking_records_it_and_routes_it_to_officials_and_the_desk(lite_desk: Desk) -> None:
    number, ticket_id = await _rejected(lite_desk)
    asked = await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, ticket_id)
    assert asked.number == number
    # Five working days: Monday 10:00 → the next Monday 10:00.
    assert (asked.answer_due_at - lite_desk.clock.now).days == 7
    async with lite_desk.db.transaction() as session:
        kinds = list(await session.scalars(select(TicketEvent.kind).order_by(TicketEvent.id)))
    assert kinds[-1] == "review_asked"
    sent = await _outbox(lite_desk)
    assert (OFFICIAL, "staff.review_asked") in sent
    assert (STAFF_CHAT, "staff.review_asked_desk") in sent
    assert (await _ticket(lite_desk, number)).status == "rejected"


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        (NEIGHBOUR_PRIVATE, NotFound),  # someone else's ticket: as if there were none
        (Actor(RESIDENT, -100555), WrongPlace),  # the owner, but from a group
    ],
)
async def test_a_forged_press_changes_nothing(
    lite_desk: Desk, who: Actor, refusal: type[Exception]
) -> None:
    _, ticket_id = await _rejected(lite_desk)
    before = await _counts(lite_desk)
    with pytest.raises(refusal):
        await lite_desk.tickets.reviews.ask(who, ticket_id)
    assert await _counts(lite_desk) == before


async def test_only_once_only_rejected_and_only_in_time(lite_desk: Desk) -> None:
    open_number = await file_noise(lite_desk)
    open_id = (await _ticket(lite_desk, open_number)).id
    with pytest.raises(CannotReview) as not_rejected:
        await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, open_id)
    assert not_rejected.value.reason == "not_rejected"

    _, ticket_id = await _rejected(lite_desk)
    await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, ticket_id)
    before = await _counts(lite_desk)
    with pytest.raises(CannotReview) as twice:
        await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, ticket_id)
    assert twice.value.reason == "already" and await _counts(lite_desk) == before

    _, late_id = await _rejected(lite_desk)
    lite_desk.clock.advance(days=22)  # Tuesday 24 November: past 15 working days
    with pytest.raises(CannotReview) as late:
        await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, late_id)
    assert late.value.reason == "too_late"


async def test_fifteen_working_days_are_still_in_time(lite_desk: Desk) -> None:
    _, ticket_id = await _rejected(lite_desk)
    lite_desk.clock.advance(days=20, hours=-1)  # Sunday 22 November: 15 working days later
    await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, ticket_id)


async def test_an_official_reopens_it_to_the_desk_as_a_redo(lite_desk: Desk) -> None:
    number, ticket_id = await _rejected(lite_desk)
    await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, ticket_id)
    view = await lite_desk.tickets.reviews.decide(
        AS_OFFICIAL, number, Decision.REOPENED, "请联系物业共同处理"
    )
    assert (view.status, view.redone) == ("reopened", 1)
    ticket = await _ticket(lite_desk, number)
    assert ticket.reject_reason is None
    sent = await _outbox(lite_desk)
    assert (RESIDENT, "ticket.review_reopened") in sent
    assert (STAFF_CHAT, "staff.review_reopened") in sent
    with pytest.raises(CannotReview) as again:
        await lite_desk.tickets.reviews.decide(AS_OFFICIAL, number, Decision.UPHELD, "维持原决定")
    assert again.value.reason == "decided"


async def test_upholding_needs_a_reason_and_an_official(lite_desk: Desk) -> None:
    number, ticket_id = await _rejected(lite_desk)
    with pytest.raises(CannotReview) as not_asked:
        await lite_desk.tickets.reviews.decide(AS_OFFICIAL, number, Decision.UPHELD, "不属于社区")
    assert not_asked.value.reason == "not_asked"
    await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, ticket_id)
    before = await _counts(lite_desk)
    with pytest.raises(NotSupervisor):
        await lite_desk.tickets.reviews.decide(AT_DESK, number, Decision.UPHELD, "不属于社区")
    with pytest.raises(InvalidInput):
        await lite_desk.tickets.reviews.decide(AS_OFFICIAL, number, Decision.UPHELD, "ok")
    assert await _counts(lite_desk) == before
    await lite_desk.tickets.reviews.decide(
        AS_OFFICIAL, number, Decision.UPHELD, "该路段属于市政管理，请拨打12345"
    )
    assert (await _ticket(lite_desk, number)).status == "rejected"
    assert (RESIDENT, "ticket.review_upheld") in await _outbox(lite_desk)


async def test_a_reopening_note_is_for_the_staff_and_never_reaches_the_resident(
    lite_desk: Desk,
) -> None:
    number, ticket_id = await _rejected(lite_desk)
    await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, ticket_id)
    await lite_desk.tickets.reviews.decide(
        AS_OFFICIAL, number, Decision.REOPENED, "上次处理太草率，认真核实"
    )
    async with lite_desk.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    to_resident = [row.params for row in rows if row.chat_id == RESIDENT]
    to_staff = [row.params for row in rows if row.chat_id == STAFF_CHAT]
    assert to_resident and not any("草率" in json.dumps(p, ensure_ascii=False) for p in to_resident)
    assert any("草率" in json.dumps(p, ensure_ascii=False) for p in to_staff)
    view = await lite_desk.tickets.resident.get_ticket_for_resident(RESIDENT_PRIVATE, number)
    assert "草率" not in json.dumps(dataclasses.asdict(view), ensure_ascii=False, default=str)


async def _digest_for_official(desk: Desk) -> dict[str, object] | None:
    """The official's supervision digest queued today, if any."""
    await desk.tickets.supervision.send_daily_digest(desk.clock.now)
    async with desk.db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.message_key == "supervision.digest")
                .where(OutboxMessage.chat_id == OFFICIAL)
                .order_by(OutboxMessage.id)
            )
        )
    return dict(rows[-1].params) if rows else None


async def test_the_daily_digest_lists_an_undecided_review_late_after_five_working_days(
    lite_desk: Desk,
) -> None:
    number, ticket_id = await _rejected(lite_desk)
    await lite_desk.tickets.reviews.ask(RESIDENT_PRIVATE, ticket_id)
    lite_desk.clock.advance(days=1)  # Tuesday: within the five working days
    digest = await _digest_for_official(lite_desk)
    assert digest is not None and digest["reviews"] == 1 and digest["overdue"] == 0
    assert f"• {number} 🙋" in str(digest["tickets"]) and "⚠️" not in str(digest["tickets"])
    lite_desk.clock.advance(days=7)  # Tuesday a week later: the answer promised is late
    late = await _digest_for_official(lite_desk)
    assert late is not None and late["overdue"] == 1
    assert f"• {number} 🙋⚠️" in str(late["tickets"])
    await lite_desk.tickets.reviews.decide(AS_OFFICIAL, number, Decision.UPHELD, "确属物业职责")
    lite_desk.clock.advance(days=1)  # decided: nothing left to chase
    assert await lite_desk.tickets.supervision.send_daily_digest(lite_desk.clock.now) == 0
