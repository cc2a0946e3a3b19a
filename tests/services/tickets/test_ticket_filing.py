"""Filing: drafts that survive a restart, validation, the staff card, numbers, duplicates,
and only in the resident's private chat."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from services.access import Actor, WrongPlace
from services.errors import InvalidInput, NotFound
from services.residents.awaiting import AwaitingService, Owed
from services.tickets import Complaint, Filing
from services.tickets.filing import QuestionNeeded
from storage.models import (
    FilingDraft,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketSequence,
)
from storage.repositories.query_log import LoggedQuestion, add_query
from tests.services.conftest import (
    NEIGHBOUR,
    NEIGHBOUR_PRIVATE,
    NOISE,
    RESIDENT,
    RESIDENT_PRIVATE,
    STAFF,
    STAFF_CHAT,
    STRANGER,
    T0,
    Clock,
    Desk,
    file_noise,
    make_tickets,
)


async def _rows(desk: Desk, model: type[object]) -> list[object]:
    async with desk.db.transaction() as session:
        return list(await session.scalars(select(model)))


async def test_a_draft_filed_step_by_step_becomes_a_ticket_with_a_staff_card(desk: Desk) -> None:
    svc = desk.tickets
    await svc.filing.start_draft(RESIDENT_PRIVATE)
    await svc.filing.update_draft(RESIDENT_PRIVATE, category="sanitation", step="description")
    await svc.filing.update_draft(
        RESIDENT_PRIVATE, description="  垃圾桶三天没人清运，味道很大，苍蝇很多  "
    )
    await svc.filing.update_draft(
        RESIDENT_PRIVATE, location_text="幸福小区东门", location=(31.23, 121.47)
    )
    await svc.filing.update_draft(RESIDENT_PRIVATE, add_photo="photo-1")
    await svc.filing.update_draft(RESIDENT_PRIVATE, add_photo="photo-2")
    draft = await svc.filing.update_draft(
        RESIDENT_PRIVATE, phone="+86 139-0000-1111", anonymous=True
    )
    assert draft.photos == ("photo-1", "photo-2")
    assert draft.phone == "13900001111"

    ticket = await svc.filing.submit_draft(RESIDENT_PRIVATE)

    assert ticket.number == "2611-0001"
    assert (ticket.status, ticket.category, ticket.anonymous) == ("new", "sanitation", True)
    assert ticket.description == "垃圾桶三天没人清运，味道很大，苍蝇很多"
    assert ticket.photos == ("photo-1", "photo-2")
    assert [(e.kind, e.status) for e in ticket.timeline] == [("transition", "new")]
    assert await svc.filing.get_draft(RESIDENT_PRIVATE) is None
    [card] = await _rows(desk, OutboxMessage)
    assert isinstance(card, OutboxMessage)
    assert (card.chat_id, card.message_key, card.photos) == (
        STAFF_CHAT,
        "staff.card",
        ["photo-1", "photo-2"],
    )
    assert card.params["number"] == "2611-0001"
    assert card.params["resident"] == ""  # anonymous: no name on the card
    assert card.params["phone"] == "139****1111"
    assert card.buttons is not None
    assert card.buttons[0][0] == {"key": "button.ticket.accept", "data": "tk:accept:1"}


async def test_a_restart_mid_filing_loses_nothing(desk: Desk) -> None:
    await desk.tickets.filing.start_draft(RESIDENT_PRIVATE)
    await desk.tickets.filing.update_draft(RESIDENT_PRIVATE, category="noise", step="location")
    await desk.tickets.filing.update_draft(
        RESIDENT_PRIVATE, description="广场舞音响太响，每天晚上九点半还不停"
    )
    restarted = make_tickets(desk.db, Clock(desk.clock.now))
    draft = await restarted.filing.get_draft(RESIDENT_PRIVATE)
    assert draft is not None
    assert (draft.step, draft.category) == ("location", "noise")
    assert draft.description == "广场舞音响太响，每天晚上九点半还不停"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "太吵了", "at least 10"),
        ("description", "吵" * 5000, "at most 2000"),
        ("description", "          ", "at least 10"),
        ("phone", "12345", "not a phone number"),
        ("phone", "12812345678", "not a phone number"),
        ("category", "enquiry", "enquiries"),
        ("category", "weather", "unknown category"),
        ("location_text", "   ", "place is empty"),
        ("step", "sticker", "unknown filing step"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    lite_desk: Desk, field: str, value: str, message: str
) -> None:
    svc = lite_desk.tickets
    await svc.filing.start_draft(RESIDENT_PRIVATE)
    before = await svc.filing.update_draft(RESIDENT_PRIVATE, description="电梯坏了一个星期没人修理")
    with pytest.raises(InvalidInput, match=message):
        await svc.filing.update_draft(RESIDENT_PRIVATE, **{field: value})  # type: ignore[arg-type]
    assert await svc.filing.get_draft(RESIDENT_PRIVATE) == before


async def test_landline_phones_keep_their_area_code(lite_desk: Desk) -> None:
    await lite_desk.tickets.filing.start_draft(RESIDENT_PRIVATE)
    draft = await lite_desk.tickets.filing.update_draft(RESIDENT_PRIVATE, phone="(021) 62345678")
    assert draft.phone == "021-62345678"


async def test_a_sixth_photo_is_refused(lite_desk: Desk) -> None:
    svc = lite_desk.tickets
    await svc.filing.start_draft(RESIDENT_PRIVATE)
    for i in range(5):
        await svc.filing.update_draft(RESIDENT_PRIVATE, add_photo=f"p{i}")
    with pytest.raises(InvalidInput, match="at most 5 photos"):
        await svc.filing.update_draft(RESIDENT_PRIVATE, add_photo="p5")
    draft = await svc.filing.get_draft(RESIDENT_PRIVATE)
    assert draft is not None and len(draft.photos) == 5


async def test_an_incomplete_draft_cannot_be_submitted(lite_desk: Desk) -> None:
    svc = lite_desk.tickets
    await svc.filing.start_draft(RESIDENT_PRIVATE)
    await svc.filing.update_draft(RESIDENT_PRIVATE, category="facilities")
    await svc.filing.update_draft(RESIDENT_PRIVATE, description="路灯坏了，晚上回家一片漆黑")
    with pytest.raises(InvalidInput, match="where it is"):
        await svc.filing.submit_draft(RESIDENT_PRIVATE)
    assert await _rows(lite_desk, Ticket) == []
    assert await svc.filing.get_draft(RESIDENT_PRIVATE) is not None


async def test_no_draft_and_discard(lite_desk: Desk) -> None:
    with pytest.raises(NotFound):
        await lite_desk.tickets.filing.update_draft(RESIDENT_PRIVATE, category="noise")
    await lite_desk.tickets.filing.start_draft(RESIDENT_PRIVATE)
    assert await lite_desk.tickets.filing.discard_draft(RESIDENT_PRIVATE) is True
    assert await lite_desk.tickets.filing.discard_draft(RESIDENT_PRIVATE) is False


async def test_no_staff_chat_means_no_card(lite_desk: Desk) -> None:
    svc = make_tickets(lite_desk.db, lite_desk.clock, staff_chat=None)
    await svc.filing.file_complaint(RESIDENT_PRIVATE, NOISE)
    assert await _rows(lite_desk, OutboxMessage) == []
    assert len(await _rows(lite_desk, TicketEvent)) == 1


async def test_an_enquiry_is_a_ticket_of_its_own_category(lite_desk: Desk) -> None:
    ticket = await lite_desk.tickets.filing.file_enquiry(
        RESIDENT_PRIVATE, "独生子女父母奖励金怎么领？"
    )
    assert (ticket.category, ticket.status) == ("enquiry", "new")
    with pytest.raises(InvalidInput):
        await lite_desk.tickets.filing.file_enquiry(RESIDENT_PRIVATE, " ")


async def _logged(desk: Desk, text: str) -> int:
    async with desk.db.transaction() as session:
        return await add_query(
            session, LoggedQuestion(RESIDENT, T0, text, text, "person", None, 0.0, [])
        )


async def test_a_request_for_a_person_alone_is_no_enquiry_until_it_says_what(
    lite_desk: Desk,
) -> None:
    """转人工 under 🙋 files nothing (the resident is asked what about); the answer is filed
    once, taking the question owed with it, and only while it is owed."""
    filing, awaiting = lite_desk.tickets.filing, AwaitingService(lite_desk.db, lite_desk.clock)
    query_id = await _logged(lite_desk, "转人工")
    before = await _written(lite_desk)
    with pytest.raises(QuestionNeeded):
        await filing.file_enquiry_from_query(RESIDENT_PRIVATE, query_id)
    with pytest.raises(NotFound):  # nothing owed: not asked, or cancelled
        await filing.file_asked_enquiry(RESIDENT_PRIVATE, "低保怎么申请")
    await awaiting.expect(RESIDENT, Owed.ENQUIRY, str(query_id))
    with pytest.raises(QuestionNeeded):
        await filing.file_asked_enquiry(RESIDENT_PRIVATE, "人工客服")
    with pytest.raises(InvalidInput):
        await filing.file_asked_enquiry(RESIDENT_PRIVATE, "嗯")
    assert await _written(lite_desk) == before
    assert await awaiting.awaiting(RESIDENT) is not None  # still owed after each refusal
    ticket = await filing.file_asked_enquiry(RESIDENT_PRIVATE, " 低保怎么申请 ")
    assert (ticket.category, ticket.description) == ("enquiry", "低保怎么申请")
    assert await awaiting.awaiting(RESIDENT) is None
    with pytest.raises(NotFound):  # answered once: a second message is no second enquiry
        await filing.file_asked_enquiry(RESIDENT_PRIVATE, "低保怎么申请")


async def test_numbers_are_unique_under_concurrent_filing(desk: Desk) -> None:
    numbers = await asyncio.gather(*(file_noise(desk) for _ in range(24)))
    assert sorted(numbers) == [f"2611-{i:04d}" for i in range(1, 25)]
    async with desk.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 24


async def test_numbers_restart_each_shanghai_month(lite_desk: Desk) -> None:
    assert await file_noise(lite_desk) == "2611-0001"
    # 30 Nov 16:30 UTC is already 1 December in Shanghai.
    lite_desk.clock.now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert await file_noise(lite_desk) == "2612-0001"
    assert re.fullmatch(r"\d{4}-\d{4}", await file_noise(lite_desk))


async def _draft(desk: Desk, who: int, category: str, description: str) -> None:
    await desk.tickets.filing.start_draft(Actor.in_private(who))
    await desk.tickets.filing.update_draft(
        Actor.in_private(who), category=category, description=description
    )


async def test_similar_open_tickets_and_following_one(desk: Desk) -> None:
    number = await file_noise(desk)
    await file_noise(desk, complaint=Complaint("noise", "小区门口的狗每天早上叫个不停", "北门"))
    await _draft(desk, STRANGER, "sanitation", "楼上晚上装修电钻声音太大")
    assert await desk.tickets.filing.similar_to_draft(Actor.in_private(STRANGER)) == ()
    await _draft(desk, NEIGHBOUR, "noise", "楼上晚上装修电钻声音太大了")
    [similar] = await desk.tickets.filing.similar_to_draft(NEIGHBOUR_PRIVATE)
    # Other people's words never: the category, the building, the day.
    assert (similar.number, similar.category, similar.place) == (number, "noise", "幸福小区3号楼")
    assert not hasattr(similar, "description")

    followed = await desk.tickets.filing.follow_ticket(NEIGHBOUR_PRIVATE, number)
    assert (followed.number, followed.is_owner, followed.photos) == (number, False, ())
    seen = await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(NEIGHBOUR), number)
    assert seen.number == number
    with pytest.raises(InvalidInput, match="your own"):
        await desk.tickets.filing.follow_ticket(RESIDENT_PRIVATE, number)
    with pytest.raises(NotFound):
        await desk.tickets.filing.follow_ticket(NEIGHBOUR_PRIVATE, "2611-9999")


async def test_a_residents_own_open_ticket_is_not_offered_as_someone_elses(desk: Desk) -> None:
    await file_noise(desk)  # RESIDENT's
    await _draft(desk, RESIDENT, "noise", "楼上晚上装修电钻声音太大了")
    assert await desk.tickets.filing.similar_to_draft(RESIDENT_PRIVATE) == ()


async def test_only_a_ticket_offered_as_similar_can_be_followed(desk: Desk) -> None:
    # Ticket numbers run in sequence: a forged "cp:follow:<no>" must not follow any of them.
    number = await file_noise(desk)
    other = await file_noise(
        desk, complaint=Complaint("noise", "小区门口的狗每天早上叫个不停", "北门")
    )
    with pytest.raises(NotFound):  # no draft at all
        await desk.tickets.filing.follow_ticket(NEIGHBOUR_PRIVATE, number)
    await _draft(desk, NEIGHBOUR, "noise", "楼上晚上装修电钻声音太大了")
    with pytest.raises(NotFound):  # open, but not like the draft: never offered
        await desk.tickets.filing.follow_ticket(NEIGHBOUR_PRIVATE, other)
    with pytest.raises(NotFound):
        await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(NEIGHBOUR), other)
    assert (await desk.tickets.filing.follow_ticket(NEIGHBOUR_PRIVATE, number)).number == number


async def test_a_follower_hears_progress_but_not_what_was_written(desk: Desk) -> None:
    number = await file_noise(desk)
    await _draft(desk, NEIGHBOUR, "noise", "楼上晚上装修电钻声音太大了")
    await desk.tickets.filing.follow_ticket(NEIGHBOUR_PRIVATE, number)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    await desk.tickets.staff.reply(Actor(STAFF, STAFF_CHAT), number, "王阿姨，明天上午我们上门看看")
    await desk.tickets.staff.reject(Actor(STAFF, STAFF_CHAT), number, "施工有许可，王阿姨请谅解")

    seen = await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(NEIGHBOUR), number)
    assert (seen.description, seen.location_text, seen.reject_reason) == ("", "幸福小区3号楼", None)
    assert all(event.message is None for event in seen.timeline)
    assert [event.status for event in seen.timeline] == ["new", "accepted", "rejected"]
    async with desk.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.telegram_id == NEIGHBOUR)
        )
        heard = [(row.message_key, row.params) for row in rows]
    assert [key for key, _ in heard] == ["ticket.followed_status_changed"] * 2
    assert "王阿姨" not in str(heard) and "上门" not in str(heard)


IN_A_GROUP = Actor(RESIDENT, -100123)
"""The resident, pressing a filing button forwarded into (or forged in) a group."""


@dataclass(frozen=True)
class _Ready:
    """What a call from the group could act on, all there for the resident in private."""

    filing: Filing
    number: str  # a neighbour's open ticket, like the resident's draft: it could be followed
    question: int  # the resident's question linli could not answer: it could go to a person


# Each way into filing the resident has, called from the group.
FROM_A_GROUP: dict[str, Callable[[_Ready], Awaitable[object]]] = {
    "start_draft": lambda r: r.filing.start_draft(IN_A_GROUP),
    "get_draft": lambda r: r.filing.get_draft(IN_A_GROUP),
    "update_draft": lambda r: r.filing.update_draft(
        IN_A_GROUP, description="楼上装修声音太大，周末也不停", phone="13900001111"
    ),
    "discard_draft": lambda r: r.filing.discard_draft(IN_A_GROUP),
    "submit_draft": lambda r: r.filing.submit_draft(IN_A_GROUP),
    "file_complaint": lambda r: r.filing.file_complaint(IN_A_GROUP, NOISE),
    "file_enquiry": lambda r: r.filing.file_enquiry(IN_A_GROUP, "独生子女父母奖励金怎么领？"),
    "file_enquiry_from_query": lambda r: r.filing.file_enquiry_from_query(IN_A_GROUP, r.question),
    "file_asked_enquiry": lambda r: r.filing.file_asked_enquiry(IN_A_GROUP, "低保怎么申请"),
    "similar_to_draft": lambda r: r.filing.similar_to_draft(IN_A_GROUP),
    "just_filed": lambda r: r.filing.just_filed(IN_A_GROUP),
    "follow_ticket": lambda r: r.filing.follow_ticket(IN_A_GROUP, r.number, discard_draft=True),
}


async def _written(desk: Desk) -> dict[str, list[tuple[object, ...]]]:
    """Every row filing writes: drafts, tickets, their numbers, events and followers, and
    the outbox (staff cards, messages)."""
    tables = (FilingDraft, Ticket, TicketSequence, TicketEvent, TicketFollower, OutboxMessage)
    async with desk.db.transaction() as session:
        return {
            model.__tablename__: [
                tuple(row)
                for row in await session.execute(
                    select(model.__table__).order_by(*model.__table__.primary_key)
                )
            ]
            for model in tables
        }


@pytest.mark.parametrize("way_in", FROM_A_GROUP)
async def test_from_a_group_filing_refuses_and_writes_nothing(lite_desk: Desk, way_in: str) -> None:
    """Filing asks for a phone number: it happens in the resident's own chat with linli. From
    a group, each way in raises WrongPlace and changes nothing, though the resident has a
    draft ready to submit, like a neighbour's open ticket, and a question to ask a person."""
    number = await file_noise(lite_desk, NEIGHBOUR)
    await _draft(lite_desk, RESIDENT, "noise", "楼上晚上装修电钻声音太大了")
    await lite_desk.tickets.filing.update_draft(
        RESIDENT_PRIVATE, location_text="幸福小区3号楼", step="confirm"
    )
    [similar] = await lite_desk.tickets.filing.similar_to_draft(RESIDENT_PRIVATE)
    assert similar.number == number  # in private it could be followed
    async with lite_desk.db.transaction() as session:
        asked = LoggedQuestion(RESIDENT, T0, "低保怎么申请", "低保怎么申请", "none", None, 0.0, [])
        question = await add_query(session, asked)
    before = await _written(lite_desk)

    with pytest.raises(WrongPlace):
        await FROM_A_GROUP[way_in](_Ready(lite_desk.tickets.filing, number, question))

    assert await _written(lite_desk) == before


def test_every_way_into_filing_is_tried_from_a_group() -> None:
    """A new public method of Filing is a new way in: it gets the place check, and a line
    in FROM_A_GROUP. (file_in is the staff's, inside a transaction on_behalf has checked.)"""
    public = {
        name
        for name, method in vars(Filing).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(method)
    }
    assert public - {"file_in"} == set(FROM_A_GROUP)
