"""The figures by channel (代录): tickets staff recorded for residents outside Telegram count
in every figure, split by how the resident reached the desk (both databases)."""

from __future__ import annotations

from services.access import Actor
from services.reports import ReportService, export, month_period
from services.tickets.callbacks import CallbackOutcome
from tests.services.conftest import STAFF, STAFF_CHAT, Desk, file_noise, record_phone_call

AT_DESK = Actor(STAFF, STAFF_CHAT)


async def test_by_channel_and_a_callback_counting_as_the_callers_verdict(desk: Desk) -> None:
    in_telegram, by_phone = await file_noise(desk), await record_phone_call(desk.tickets)
    for number in (in_telegram, by_phone):
        await desk.tickets.staff.accept(AT_DESK, number)
        await desk.tickets.staff.resolve(AT_DESK, number, "已处理")
    # The caller cannot press a rating button: the callback (回访) asks them instead.
    await desk.tickets.callbacks.record(AT_DESK, by_phone, CallbackOutcome.SATISFIED)
    report = await ReportService(desk.db, desk.clock).report(
        month_period(2026, 11), with_personal_data=True
    )
    f = report.totals
    assert (f.received, f.response_rate, f.resolution_rate) == (2, 1.0, 1.0)
    assert (f.ratings, f.satisfied, f.satisfaction_rate) == (1, 1, 1.0)
    channels = {g.key: (g.title, g.figures.received, g.figures.ratings) for g in report.by_channel}
    assert channels == {"telegram": ("Telegram", 1, 0), "phone": ("电话", 1, 1)}
    names = {r.number: r.resident_name for r in report.tickets}
    assert names[by_phone] == "王阿姨"  # the caller, not the staff member who recorded it
    out = export.to_json(report)
    assert out["by_channel"]["phone"]["received"] == 1
    assert out["by_channel"]["phone"]["title"] == "电话"
    assert [row[:2] for row in export.figure_rows(report) if row and row[0] == "渠道"] == [
        ["渠道", "电话"],
        ["渠道", "Telegram"],
    ]  # fmt: skip  (one ticket each: ties in the order of their keys)


async def test_a_caller_not_satisfied_counts_against_the_satisfaction_rate(desk: Desk) -> None:
    by_phone = await record_phone_call(desk.tickets)
    await desk.tickets.staff.accept(AT_DESK, by_phone)
    await desk.tickets.staff.resolve(AT_DESK, by_phone, "已处理")
    await desk.tickets.callbacks.record(AT_DESK, by_phone, CallbackOutcome.UNREACHABLE)
    report = await ReportService(desk.db, desk.clock).report(month_period(2026, 11))
    assert (report.totals.ratings, report.totals.satisfaction_rate) == (0, None)
    await desk.tickets.callbacks.record(AT_DESK, by_phone, CallbackOutcome.NOT_SATISFIED)
    report = await ReportService(desk.db, desk.clock).report(month_period(2026, 11))
    assert (report.totals.ratings, report.totals.satisfied) == (1, 0)
    assert report.totals.satisfaction_rate == 0.0
