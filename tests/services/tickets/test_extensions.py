"""Extensions (延期): staff ask, an official decides; approved, the due time moves and the
ticket is not late for the time it was given; every refusal changes nothing.

The noise ticket filed at T0 (Monday 2 November 2026, 10:00 Shanghai) is due for
resolution on Wednesday 4 November at 10:00 (17 working hours).
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from handlers.i18n import t
from services.access import Actor, WrongPlace
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.privacy.service import PrivacyService
from services.reports import ReportService, export
from services.residents.service import ResidentService
from services.tickets import Complaint, InvalidTransition
from services.tickets.due_input import MAX_WORKING_DAYS, BadDueTime, NewDue, TooFar, split_due
from services.tickets.extensions import (
    DueNotLater,
    ExtensionDecided,
    ExtensionPending,
    NoOneToDecide,
    OwnRequest,
)
from services.tickets.reminders import ReminderService, ReminderSettings
from storage import Role
from storage.repositories.residents import set_resident_role
from tests.services.conftest import (
    ADMIN,
    OFFICIAL,
    RESIDENT,
    STAFF,
    STAFF_CHAT,
    Desk,
    file_noise,
)
from tests.services.tickets.clock_support import SH, at, events, outbox, snapshot, ticket

DESK = Actor(STAFF, STAFF_CHAT)
REASON = "需要等物业调取监控录像，物业答复要三个工作日"
FRIDAY = NewDue(at=at(6, 17, 30))


async def _accepted(desk: Desk) -> str:
    number = await file_noise(desk)
    await desk.tickets.staff.accept(DESK, number)
    return number


async def test_an_approved_extension_moves_the_due_time_and_tells_the_resident(
    desk: Desk,
) -> None:
    number = await _accepted(desk)
    before = len(await events(desk, number))
    request = await desk.tickets.extensions.request(DESK, number, FRIDAY, REASON)
    assert (request.status, request.asked) == ("pending", 2)
    assert request.from_due_at == at(4, 10) and request.to_due_at == at(6, 17, 30)
    trail = await events(desk, number)
    assert [e.kind for e in trail[before:]] == ["ext_requested"]
    assert trail[-1].internal_note == REASON and trail[-1].public_message is None
    assert (await ticket(desk, number)).resolution_due_at == at(4, 10)  # not before approval
    asks = await outbox(desk, "staff.extension.request")
    assert sorted(m.chat_id for m in asks) == sorted([OFFICIAL, ADMIN])
    assert asks[0].buttons == [
        [
            {"key": "button.extension.approve", "data": f"ext:y:{request.id}"},
            {"key": "button.extension.refuse", "data": f"ext:n:{request.id}"},
        ]
    ]
    assert asks[0].params["place"] == "幸福小区3号楼"

    desk.clock.advance(hours=1)
    decided = await desk.tickets.extensions.decide(Actor.in_private(OFFICIAL), request.id, True)
    assert decided.status == "approved"
    row = await ticket(desk, number)
    assert row.resolution_due_at == at(6, 17, 30)
    trail = await events(desk, number)
    assert [e.kind for e in trail[before:]] == ["ext_requested", "ext_approved"]
    assert trail[-1].actor_telegram_id == OFFICIAL and trail[-1].public_message == REASON
    [told] = await outbox(desk, "ticket.extended")
    assert told.chat_id == RESIDENT
    assert told.params["reason"] == REASON
    assert datetime.fromisoformat(told.params["resolution_due_at"]) == at(6, 17, 30)
    [desk_told] = await outbox(desk, "staff.extension.approved")
    assert desk_told.chat_id == STAFF_CHAT and desk_told.params["official"] == f"staff{OFFICIAL}"

    # Thursday: past the first due time, within the extension: not late, nobody chased.
    desk.clock.now = at(5, 11)
    view = await desk.tickets.staff.get_ticket_for_staff(DESK, number)
    assert view.is_overdue is False
    assert await desk.tickets.system.list_overdue() == ()
    chase = ReminderService(desk.db, desk.clock, ReminderSettings(staff_chat_id=STAFF_CHAT))
    assert await chase.escalate_overdue(at(5, 11)) == 0
    report = await ReportService(desk.db, desk.clock).report(
        ReportService(desk.db, desk.clock).parse_period("2026-11")
    )
    assert report.totals.overdue == 0
    assert (report.totals.extensions_requested, report.totals.extensions_approved) == (1, 1)
    figures = export.to_json(report)  # what `linli report --format json` prints
    assert (figures["extensions_requested"], figures["extensions_approved"]) == (1, 1)
    assert figures["paused_hours"] == 0.0 and figures["overdue"] == 0
    assert figures["by_category"]["noise"]["extensions_approved"] == 1


async def test_a_refused_extension_moves_nothing_and_the_desk_is_told(desk: Desk) -> None:
    number = await _accepted(desk)
    request = await desk.tickets.extensions.request(DESK, number, FRIDAY, REASON)
    decided = await desk.tickets.extensions.decide(Actor.in_private(ADMIN), request.id, False)
    assert decided.status == "refused"
    assert (await ticket(desk, number)).resolution_due_at == at(4, 10)
    assert [e.kind for e in await events(desk, number)][-2:] == ["ext_requested", "ext_refused"]
    assert await outbox(desk, "ticket.extended") == []
    [desk_told] = await outbox(desk, "staff.extension.refused")
    assert desk_told.params["requester"] == f"staff{STAFF}"
    # Past the first due time the ticket is late, and the figures say so.
    desk.clock.now = at(5, 11)
    assert (await desk.tickets.staff.get_ticket_for_staff(DESK, number)).is_overdue
    service = ReportService(desk.db, desk.clock)
    report = await service.report(service.parse_period("2026-11"))
    assert (report.totals.overdue, report.totals.extensions_requested) == (1, 1)
    assert report.totals.extensions_approved == 0

    # The other official's copy of the buttons: already decided, nothing changes.
    before = await snapshot(desk, number)
    with pytest.raises(ExtensionDecided) as refused:
        await desk.tickets.extensions.decide(Actor.in_private(OFFICIAL), request.id, True)
    assert refused.value.status == "refused"
    assert await snapshot(desk, number) == before


async def test_plus_working_days_count_from_the_current_due_time(lite_desk: Desk) -> None:
    number = await _accepted(lite_desk)
    request = await lite_desk.tickets.extensions.request(
        DESK, number, NewDue(working_days=3), REASON
    )
    assert request.to_due_at == at(9, 10)  # Wednesday 10:00 + 3 working days: Monday 10:00


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("unknown ticket", NotFound),
        ("due in the past", DueNotLater),
        ("not later than now due", DueNotLater),
        ("resolved ticket", InvalidTransition),
        ("rejected ticket", InvalidTransition),
        ("second pending request", ExtensionPending),
        ("missing reason", InvalidInput),
        ("a resident asks", PermissionDenied),
        ("staff in a private chat", WrongPlace),
    ],
)
async def test_a_bad_request_changes_nothing(
    lite_desk: Desk, case: str, error: type[Exception]
) -> None:
    desk = lite_desk
    number = await _accepted(desk)
    actor, due, reason, asked = DESK, FRIDAY, REASON, number
    if case == "unknown ticket":
        asked = "2611-9999"
    elif case == "due in the past":
        due = NewDue(at=at(2, 9))
    elif case == "not later than now due":
        due = NewDue(at=at(3, 12))  # in the future, but before Wednesday 10:00
    elif case == "resolved ticket":
        await desk.tickets.staff.resolve(DESK, number)
    elif case == "rejected ticket":
        await desk.tickets.staff.reject(DESK, number, "不属于社区职责")
    elif case == "second pending request":
        await desk.tickets.extensions.request(DESK, number, FRIDAY, REASON)
        due = NewDue(at=at(9, 17, 30))
    elif case == "missing reason":
        reason = "   "
    elif case == "a resident asks":
        actor = Actor.in_private(RESIDENT)
    elif case == "staff in a private chat":
        actor = Actor.in_private(STAFF)
    before = await snapshot(desk, number)
    with pytest.raises(error):
        await desk.tickets.extensions.request(actor, asked, due, reason)
    assert await snapshot(desk, number) == before
    if error is DueNotLater:
        assert (await ticket(desk, number)).resolution_due_at == at(4, 10)


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("staff member presses", PermissionDenied),
        ("official in a group", WrongPlace),
        ("unknown request", NotFound),
        ("requested time has passed", ExtensionDecided),
        ("ticket resolved meanwhile", InvalidTransition),
    ],
)
async def test_a_bad_decision_changes_nothing(
    lite_desk: Desk, case: str, error: type[Exception]
) -> None:
    desk = lite_desk
    number = await _accepted(desk)
    request = await desk.tickets.extensions.request(DESK, number, FRIDAY, REASON)
    actor, request_id = Actor.in_private(OFFICIAL), request.id
    if case == "staff member presses":
        actor = Actor.in_private(STAFF)
    elif case == "official in a group":
        actor = Actor(OFFICIAL, STAFF_CHAT)
    elif case == "unknown request":
        request_id = request.id + 100
    elif case == "requested time has passed":
        desk.clock.now = at(7, 9)
    elif case == "ticket resolved meanwhile":
        await desk.tickets.staff.resolve(DESK, number)
    before = await snapshot(desk, number)
    with pytest.raises(error):
        await desk.tickets.extensions.decide(actor, request_id, True)
    assert await snapshot(desk, number) == before


async def test_a_lapsed_request_no_longer_blocks_a_new_one(lite_desk: Desk) -> None:
    number = await _accepted(lite_desk)
    await lite_desk.tickets.extensions.request(DESK, number, NewDue(at=at(4, 12)), REASON)
    lite_desk.clock.now = at(4, 13)  # the time it asked for has passed undecided
    again = await lite_desk.tickets.extensions.request(DESK, number, FRIDAY, REASON)
    assert again.status == "pending"


TODAY = date(2026, 12, 6)
END = time(17, 30)


@pytest.mark.parametrize(
    ("typed", "due", "rest"),
    [
        ("12月10日 18:00 等配件", NewDue(at=at(10, 18, month=12)), "等配件"),
        ("2026-12-10 18:00 等配件", NewDue(at=at(10, 18, month=12)), "等配件"),
        ("１２月１０日１８：００ 等配件", NewDue(at=at(10, 18, month=12)), "等配件"),
        ("12月10日 等配件", NewDue(at=at(10, 17, 30, month=12)), "等配件"),
        ("2026/12/10 9:30 parts", NewDue(at=at(10, 9, 30, month=12)), "parts"),
        ("+3 等配件", NewDue(working_days=3), "等配件"),
        ("+3个工作日 等配件", NewDue(working_days=3), "等配件"),
    ],
)
def test_due_times_as_staff_type_them(typed: str, due: NewDue, rest: str) -> None:
    assert split_due(typed, TODAY, SH, END) == (due, rest)


def test_a_date_without_a_year_is_the_nearest_one() -> None:
    march, _ = split_due("3月1日 理由", TODAY, SH, END)
    assert march.at is not None and march.at.date() == date(2027, 3, 1)
    yesterday, _ = split_due("12月5日 理由", TODAY, SH, END)
    assert yesterday.at is not None and yesterday.at.date() == date(2026, 12, 5)  # then: past


@pytest.mark.parametrize("typed", ["明天 理由", "13月1日 理由", "12月10日 25:00 理由", "+0 理由",
                                   "", "理由"])  # fmt: skip
def test_what_is_not_a_due_time(typed: str) -> None:
    with pytest.raises(BadDueTime):
        split_due(typed, TODAY, SH, END)


@pytest.mark.parametrize("typed", ["+61 理由", "+99 理由", "+999 理由"])
def test_more_working_days_than_an_extension_may_be_is_told_the_limit(typed: str) -> None:
    with pytest.raises(TooFar) as refused:  # understood, so not BadDueTime's 看不懂
        split_due(typed, TODAY, SH, END)
    assert refused.value.limit == MAX_WORKING_DAYS == 60


def test_the_reason_is_kept_as_typed() -> None:
    _, reason = split_due("１２月１０日 １８：００ 物业要调取监控，需要３天", TODAY, SH, END)
    assert reason == "物业要调取监控，需要３天"


async def test_the_residents_own_data_shows_an_approval_never_a_request_or_refusal(
    lite_desk: Desk,
) -> None:
    desk = lite_desk
    number = await _accepted(desk)
    refused = await desk.tickets.extensions.request(DESK, number, FRIDAY, "内部：人手不够")
    await desk.tickets.extensions.decide(Actor.in_private(OFFICIAL), refused.id, False)
    approved = await desk.tickets.extensions.request(DESK, number, FRIDAY, REASON)
    await desk.tickets.extensions.decide(Actor.in_private(OFFICIAL), approved.id, True)
    residents = ResidentService(desk.db, desk.clock, "zh-Hans")
    data = await PrivacyService(desk.db, desk.clock, residents).export(RESIDENT)
    [ticket_data] = data.tickets
    assert [(e.kind, e.message) for e in ticket_data.timeline][-1] == ("ext_approved", REASON)
    kinds = [e.kind for e in ticket_data.timeline]
    assert "ext_requested" not in kinds and "ext_refused" not in kinds
    assert "人手不够" not in str(data)


async def test_an_official_who_asks_is_not_the_one_who_decides(lite_desk: Desk) -> None:
    desk = lite_desk
    number = await _accepted(desk)
    asking_admin = Actor(ADMIN, STAFF_CHAT)  # an admin working a ticket at the desk
    request = await desk.tickets.extensions.request(asking_admin, number, FRIDAY, REASON)
    assert request.asked == 1
    assert [m.chat_id for m in await outbox(desk, "staff.extension.request")] == [OFFICIAL]
    before = await snapshot(desk, number)
    with pytest.raises(OwnRequest):
        await desk.tickets.extensions.decide(Actor.in_private(ADMIN), request.id, True)
    assert await snapshot(desk, number) == before
    await desk.tickets.extensions.decide(Actor.in_private(OFFICIAL), request.id, True)
    assert (await ticket(desk, number)).resolution_due_at == at(6, 17, 30)


async def test_with_no_one_to_decide_nothing_is_requested(lite_desk: Desk) -> None:
    desk = lite_desk
    number = await _accepted(desk)
    async with desk.db.transaction() as session:
        for person in (OFFICIAL, ADMIN):
            await set_resident_role(session, person, Role.STAFF, now=desk.clock.now)
    before = await snapshot(desk, number)
    with pytest.raises(NoOneToDecide):
        await desk.tickets.extensions.request(DESK, number, FRIDAY, REASON)
    assert await snapshot(desk, number) == before


async def test_officials_are_asked_without_the_residents_words_or_flat(desk: Desk) -> None:
    # Officials see no personal data (README, "Your data"): category and building only.
    told = Complaint("noise", "我叫张伟，电话13812345678，楼上天天装修", "幸福小区3号楼2单元501室")
    number = await file_noise(desk, complaint=told)
    await desk.tickets.staff.accept(DESK, number)
    await desk.tickets.extensions.request(DESK, number, FRIDAY, REASON)

    for ask in await outbox(desk, "staff.extension.request"):
        text = t("zh-Hans", ask.message_key, **ask.params)
        assert f"⏳ 延期申请 #{number}（noise）" in text and "地点：幸福小区3号楼" in text
        assert not any(said in text for said in ("张伟", "5678", "装修", "501", "2单元"))
