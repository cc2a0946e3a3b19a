"""Waiting for the resident (挂起): the resolution clock stops, nobody is chased, and the
paused working time moves the due time when the resident answers or staff resume.

The noise ticket filed at T0 (Monday 2 November 2026, 10:00 Shanghai) is due for
resolution on Wednesday 4 November at 10:00 (17 working hours).
"""

from __future__ import annotations

import pytest

from services.access import Actor, WrongPlace
from services.errors import InvalidInput, PermissionDenied
from services.reports import ReportService
from services.tickets import InvalidTransition
from services.tickets.pauses import AlreadyPaused, NotPaused
from services.tickets.reminders import ReminderService, ReminderSettings
from tests.services.conftest import RESIDENT, STAFF, STAFF_CHAT, Desk, file_noise
from tests.services.tickets.clock_support import at, events, outbox, snapshot, ticket

DESK = Actor(STAFF, STAFF_CHAT)
NEED = "请告诉我们装修的具体是几楼几号，方便物业上门"


async def _paused(desk: Desk) -> str:
    number = await file_noise(desk)
    await desk.tickets.staff.accept(DESK, number)
    desk.clock.now = at(2, 11)
    view = await desk.tickets.pauses.pause(DESK, number, NEED)
    assert view.paused_at == at(2, 11)
    return number


async def test_a_pause_tells_the_resident_and_nobody_is_chased(desk: Desk) -> None:
    number = await _paused(desk)
    assert [e.kind for e in await events(desk, number)][-1] == "pause"
    [told] = await outbox(desk, "ticket.paused")
    assert (told.chat_id, told.params["need"]) == (RESIDENT, NEED)
    # Thursday: past the due time, but the clock is stopped.
    desk.clock.now = at(5, 11)
    view = await desk.tickets.staff.get_ticket_for_staff(DESK, number)
    assert view.is_overdue is False and view.paused_at == at(2, 11)
    mine = await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(RESIDENT), number)
    assert mine.paused and mine.timeline[-1].message == NEED
    assert await desk.tickets.system.list_overdue() == ()
    chase = ReminderService(desk.db, desk.clock, ReminderSettings(staff_chat_id=STAFF_CHAT))
    assert await chase.escalate_overdue(at(5, 11)) == 0
    assert await chase.warn_resolution_at_risk(at(3, 15)) == 0
    assert await chase.send_progress_reminders(at(9, 11)) == 0
    assert await outbox(desk, "reminders.") == []
    service = ReportService(desk.db, desk.clock)
    report = await service.report(service.parse_period("2026-11"))
    assert report.totals.overdue == 0  # paused before its due time: judged at the pause
    assert report.totals.paused_hours == 25.5  # Mon 11:00 → Thu 11:00: 3 working days


async def test_the_residents_follow_up_resumes_the_clock(desk: Desk) -> None:
    number = await _paused(desk)
    desk.clock.now = at(3, 11)  # one working day (8.5 h) later
    await desk.tickets.resident.followup(Actor.in_private(RESIDENT), number, "是5楼502在装修")
    row = await ticket(desk, number)
    assert row.paused_at is None
    assert row.resolution_due_at == at(5, 10)  # Wednesday 10:00 + one working day (8.5 h)
    trail = await events(desk, number)
    assert [e.kind for e in trail[-2:]] == ["followup", "resume"]
    assert trail[-1].actor_role == "resident" and trail[-1].details["paused_hours"] == 8.5
    [desk_told] = await outbox(desk, "staff.resumed")
    assert desk_told.chat_id == STAFF_CHAT
    service = ReportService(desk.db, desk.clock)
    report = await service.report(service.parse_period("2026-11"))
    assert report.totals.paused_hours == 8.5


async def test_staff_resume_moves_the_due_time_and_tells_the_resident(desk: Desk) -> None:
    number = await _paused(desk)
    desk.clock.now = at(2, 15)  # four working hours later
    view = await desk.tickets.pauses.resume(DESK, number)
    assert view.paused_at is None and view.resolution_due_at == at(4, 14)
    assert [e.kind for e in await events(desk, number)][-1] == "resume"
    [told] = await outbox(desk, "ticket.resumed")
    assert told.chat_id == RESIDENT
    # Late after all: past the moved due time, the ticket is overdue again.
    desk.clock.now = at(4, 15)
    assert (await desk.tickets.staff.get_ticket_for_staff(DESK, number)).is_overdue


async def test_resolving_a_paused_ticket_ends_the_pause(lite_desk: Desk) -> None:
    number = await _paused(lite_desk)
    lite_desk.clock.now = at(2, 13)
    await lite_desk.tickets.staff.resolve(DESK, number, "物业已处理")
    row = await ticket(lite_desk, number)
    assert row.paused_at is None and row.resolution_due_at == at(4, 12)
    last = (await events(lite_desk, number))[-1]
    assert last.to_status == "resolved" and last.details["paused_hours"] == 2.0


async def test_a_ticket_paused_when_already_late_stays_late_in_the_figures(
    lite_desk: Desk,
) -> None:
    number = await file_noise(lite_desk)
    await lite_desk.tickets.staff.accept(DESK, number)
    lite_desk.clock.now = at(4, 11)  # an hour past its due time
    await lite_desk.tickets.pauses.pause(DESK, number, NEED)
    lite_desk.clock.now = at(5, 11)
    service = ReportService(lite_desk.db, lite_desk.clock)
    report = await service.report(service.parse_period("2026-11"))
    assert report.totals.overdue == 1


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("pause twice", AlreadyPaused),
        ("resume a running clock", NotPaused),
        ("pause without saying what is needed", InvalidInput),
        ("pause a resolved ticket", InvalidTransition),
        ("a resident pauses", PermissionDenied),
        ("staff pause from a private chat", WrongPlace),
    ],
)
async def test_a_bad_pause_or_resume_changes_nothing(
    lite_desk: Desk, case: str, error: type[Exception]
) -> None:
    desk = lite_desk
    number = await file_noise(desk)
    await desk.tickets.staff.accept(DESK, number)
    pauses = desk.tickets.pauses
    if case == "pause twice":
        await pauses.pause(DESK, number, NEED)
    elif case == "pause a resolved ticket":
        await desk.tickets.staff.resolve(DESK, number)
    before = await snapshot(desk, number)
    with pytest.raises(error):
        if case == "resume a running clock":
            await pauses.resume(DESK, number)
        elif case == "pause without saying what is needed":
            await pauses.pause(DESK, number, "  ")
        elif case == "a resident pauses":
            await pauses.pause(Actor.in_private(RESIDENT), number, NEED)
        elif case == "staff pause from a private chat":
            await pauses.pause(Actor.in_private(STAFF), number, NEED)
        else:
            await pauses.pause(DESK, number, NEED)
    assert await snapshot(desk, number) == before
