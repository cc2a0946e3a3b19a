"""Dispatch (派单): a new ticket goes to the unit its category and community route to; a
unit's staff act only on their unit's tickets; /transfer moves a ticket, on the record; the
figures count a ticket against the unit that held it when its limit passed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from services.access import Actor
from services.district import current
from services.district.model import Community, District, Route, Unit, UnitKind
from services.reports import ReportService
from services.reports.period import month_period
from services.tickets import Complaint, InvalidTransition
from services.tickets.units import CannotTransfer, OtherUnit
from storage.models import EventKind, OutboxMessage, Ticket, TicketEvent
from tests.services.conftest import (
    OFFICIAL,
    RESIDENT_PRIVATE,
    STAFF,
    STAFF_CHAT,
    Desk,
)

PROPERTY_CHAT, RC_B_CHAT = -1002001, -1002002
SUNNY = Community("sunny", "阳光社区", ("5号楼", "6号楼"), "buildings")
RIVER = Community("river", "河畔社区", ("1号楼",), "buildings")
PROPERTY = Unit("property-sunny", "阳光物业", UnitKind.PROPERTY, PROPERTY_CHAT)
RC_B = Unit("rc-river", "河畔居委会", UnitKind.RESIDENTS_COMMITTEE, RC_B_CHAT)
LEAKING_PIPE = Complaint(
    "property", "楼道水管漏水，地上全是水", "阳光社区5号楼", phone="13812345678"
)
NOISE = Complaint("noise", "楼上每天晚上十一点以后还在装修", "阳光社区6号楼")


@pytest.fixture(autouse=True)
def district() -> Iterator[District]:
    """The district's own units (not a sample, so it dispatches)."""
    configured = District(
        communities=(SUNNY, RIVER),
        units=(PROPERTY, RC_B),
        categories=current.bundled().categories,
        routes=(Route("property", "sunny", PROPERTY.id), Route("*", "river", RC_B.id)),
    )
    current.use(configured)
    yield configured


async def _ticket(desk: Desk, number: str) -> Ticket:
    async with desk.db.transaction() as session:
        found = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert found is not None
        return found


async def _outbox(desk: Desk) -> list[tuple[int, str]]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.chat_id, r.message_key) for r in rows]


async def _events(desk: Desk, kind: EventKind) -> list[TicketEvent]:
    async with desk.db.transaction() as session:
        return list(await session.scalars(select(TicketEvent).where(TicketEvent.kind == kind)))


async def test_a_new_ticket_goes_to_the_unit_its_rule_names(desk: Desk) -> None:
    routed = await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)
    unrouted = await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, NOISE)
    assert (await _ticket(desk, routed.number)).unit_id == PROPERTY.id
    assert (await _ticket(desk, unrouted.number)).unit_id is None  # no rule: the centre
    cards = [chat for chat, key in await _outbox(desk) if key == "staff.card"]
    assert cards == [PROPERTY_CHAT, STAFF_CHAT]


async def test_a_sample_configuration_dispatches_nothing(desk: Desk, district: District) -> None:
    current.use(replace(district, sample=True))  # its chat ids are placeholders
    routed = await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)
    assert (await _ticket(desk, routed.number)).unit_id is None
    assert [chat for chat, key in await _outbox(desk) if key == "staff.card"] == [STAFF_CHAT]


async def test_a_units_staff_act_on_their_units_tickets_only(desk: Desk) -> None:
    pipe = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)).number
    noise = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, NOISE)).number
    before = await _ticket(desk, noise)
    with pytest.raises(OtherUnit):  # the property company's chat, on the centre's ticket
        await desk.tickets.staff.accept(Actor(STAFF, PROPERTY_CHAT), noise)
    with pytest.raises(OtherUnit):  # the river committee's chat, on the property's ticket
        await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, RC_B_CHAT), pipe)
    assert (await _ticket(desk, noise)).status == before.status == "new"
    accepted = await desk.tickets.staff.accept(Actor(STAFF, PROPERTY_CHAT), pipe)
    assert accepted.status == "accepted"
    # The centre sees and works every unit's tickets; so do officials, from any desk chat.
    await desk.tickets.staff.note(Actor(STAFF, STAFF_CHAT), pipe, "已电话物业经理")
    await desk.tickets.staff.accept(Actor(OFFICIAL, RC_B_CHAT), noise)
    queue = await desk.tickets.staff.list_queue(Actor(STAFF, PROPERTY_CHAT))
    assert [v.number for v in queue] == [pipe]
    assert len(await desk.tickets.staff.list_queue(Actor(STAFF, STAFF_CHAT))) == 2


async def test_transfer_moves_the_ticket_on_the_record(desk: Desk) -> None:
    pipe = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)).number
    moved = await desk.tickets.dispatch.transfer(
        Actor(STAFF, PROPERTY_CHAT), pipe, "河畔居委会", "漏水在公共管道，归居委会协调"
    )
    assert moved.number == pipe
    moved_ticket = await _ticket(desk, pipe)
    assert moved_ticket.unit_id == RC_B.id
    assert moved_ticket.first_response_at is None  # moving it is no answer to the resident
    [event] = await _events(desk, EventKind.TRANSFER)
    assert event.details == {"from": PROPERTY.id, "to": RC_B.id}
    assert event.internal_note == "漏水在公共管道，归居委会协调"
    assert (await _outbox(desk))[-3:] == [
        (RC_B_CHAT, "staff.transferred_in"),
        (RC_B_CHAT, "staff.card"),
        (PROPERTY_CHAT, "staff.transferred_out"),
    ]
    # The unit it left can no longer act on it; the one it went to can.
    with pytest.raises(OtherUnit):
        await desk.tickets.staff.accept(Actor(STAFF, PROPERTY_CHAT), pipe)
    await desk.tickets.staff.accept(Actor(STAFF, RC_B_CHAT), pipe)
    await desk.tickets.dispatch.transfer(Actor(STAFF, STAFF_CHAT), pipe, "中心", "需要街道协调")
    assert (await _ticket(desk, pipe)).unit_id is None


async def test_bad_transfers_change_nothing(desk: Desk) -> None:
    pipe = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)).number
    at_property = Actor(STAFF, PROPERTY_CHAT)
    with pytest.raises(CannotTransfer) as unknown:
        await desk.tickets.dispatch.transfer(at_property, pipe, "城管", "不归我们")
    assert unknown.value.same is False
    with pytest.raises(CannotTransfer) as same:
        await desk.tickets.dispatch.transfer(at_property, pipe, PROPERTY.id, "再派一次")
    assert same.value.same is True
    with pytest.raises(OtherUnit):  # another unit cannot take it away
        await desk.tickets.dispatch.transfer(Actor(STAFF, RC_B_CHAT), pipe, RC_B.id, "我们来")
    with pytest.raises(Exception, match="reason"):
        await desk.tickets.dispatch.transfer(at_property, pipe, RC_B.id, "   ")
    await desk.tickets.staff.reject(at_property, pipe, "重复反映")
    with pytest.raises(InvalidTransition):
        await desk.tickets.dispatch.transfer(at_property, pipe, RC_B.id, "已经结束了")
    assert (await _ticket(desk, pipe)).unit_id == PROPERTY.id
    assert await _events(desk, EventKind.TRANSFER) == []


async def test_figures_count_the_unit_that_held_it_when_the_limit_passed(desk: Desk) -> None:
    pipe = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)).number
    await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, NOISE)
    desk.clock.advance(days=14)  # past the property limit: the property company held it
    await desk.tickets.dispatch.transfer(Actor(STAFF, STAFF_CHAT), pipe, RC_B.id, "物业不配合")
    report = await ReportService(desk.db, desk.clock).report(month_period(2026, 11))
    by_unit = {g.key: (g.title, g.figures.received) for g in report.by_unit}
    assert by_unit == {PROPERTY.id: ("阳光物业", 1), "centre": ("社区服务中心", 1)}


async def test_the_supervision_digest_groups_tickets_by_the_unit_that_holds_them(
    desk: Desk,
) -> None:
    pipe = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LEAKING_PIPE)).number
    noise = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, NOISE)).number
    for number in (pipe, noise):
        await desk.tickets.supervision.supervise(Actor.in_private(OFFICIAL), number)
    desk.clock.now = desk.clock.now.replace(hour=0, minute=50)  # 08:50 in Shanghai
    assert await desk.tickets.supervision.send_daily_digest(desk.clock.now) > 0
    async with desk.db.transaction() as session:
        digest = await session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.message_key == "supervision.digest", OutboxMessage.chat_id == OFFICIAL
            )
        )
    assert digest is not None
    assert digest.params["tickets"].split("\n") == [
        "【社区服务中心】",
        f"• {noise} ⚑",
        "【阳光物业】",
        f"• {pipe} ⚑",
    ]
