"""Scheduled ticket reminders: what each person is told, when, and never twice.

Times are Shanghai local; the working day is 09:00-17:30. T0 is Monday 2 November 2026,
10:00. A noise ticket filed then must get its first response by 14:00 and be resolved by
Wednesday 4 November 10:00 (17 working hours); an illegal-construction one by Monday
16 November (85 working hours), so it stays in time while it waits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.i18n import t
from services.access import Actor
from services.tickets import Complaint
from services.tickets.reminders import ReminderService, ReminderSettings
from storage.models import OutboxMessage
from tests.services.conftest import (
    ADMIN,
    OFFICIAL,
    RESIDENT,
    RESIDENT_PRIVATE,
    STAFF,
    STAFF_2,
    STAFF_CHAT,
    Desk,
    file_noise,
)

SH = ZoneInfo("Asia/Shanghai")
BUILDING = Complaint(
    category="illegal-construction",
    description="楼顶有人在搭彩钢板房，已经搭了一半",
    location_text="幸福小区5号楼楼顶",
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, Shanghai time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def reminders(desk: Desk) -> ReminderService:
    return ReminderService(desk.db, desk.clock, ReminderSettings(staff_chat_id=STAFF_CHAT))


async def sent(desk: Desk, prefix: str = "reminders.") -> list[OutboxMessage]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [r for r in rows if r.message_key.startswith(prefix)]


def hourly(start: datetime, end: datetime) -> list[datetime]:
    """Every hour on the hour from ``start`` to ``end`` inclusive (the scheduler's ticks)."""
    ticks, moment = [], start
    while moment <= end:
        ticks.append(moment)
        moment += timedelta(hours=1)
    return ticks


async def test_a_quiet_ticket_gets_still_in_progress_every_three_working_days(
    desk: Desk,
) -> None:
    number = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, BUILDING)).number
    service, queued_at = reminders(desk), []
    for moment in hourly(at(2, 11), at(12, 17)):
        if await service.send_progress_reminders(moment):
            queued_at.append(moment)

    # 25.5 working hours after Monday 10:00 is Thursday 10:00; the next 25.5 skip a weekend.
    assert queued_at == [at(5, 10), at(10, 10)]
    rows = await sent(desk)
    assert [(r.chat_id, r.message_key) for r in rows] == [(RESIDENT, "reminders.progress")] * 2
    assert rows[0].params == {"number": number, "due": "2026-11-16 10:00"}
    assert "2026-11-16 10:00" in t("zh-Hans", rows[0].message_key, **rows[0].params)


async def test_a_staff_reply_restarts_the_quiet_period(desk: Desk) -> None:
    number = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, BUILDING)).number
    service = reminders(desk)
    assert await service.send_progress_reminders(at(5, 10)) == 1
    desk.clock.now = at(6, 10)
    await desk.tickets.staff.reply(Actor(STAFF, STAFF_CHAT), number, "城管已经上门，要求停工")
    # A follow-up from the resident is not news to them: it does not restart the clock.
    desk.clock.now = at(9, 10)
    await desk.tickets.resident.followup(Actor.in_private(RESIDENT), number, "今天还在搭")

    queued_at = [
        m for m in hourly(at(6, 11), at(11, 17)) if await service.send_progress_reminders(m)
    ]
    # Friday 10:00 + 25.5 working hours: Fri 7.5, Mon 8.5, Tue 8.5, Wed 1.
    assert queued_at == [at(11, 10)]


async def test_after_a_downtime_the_missed_reminders_come_once(desk: Desk) -> None:
    await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, BUILDING)
    service = reminders(desk)
    # Down from Monday until Wednesday 11 November: two periods passed, one message.
    counts = [await service.send_progress_reminders(m) for m in hourly(at(11, 10), at(11, 17))]
    assert counts == [1, 0, 0, 0, 0, 0, 0, 0]


async def test_an_overdue_quiet_ticket_says_it_was_escalated(desk: Desk) -> None:
    number = await file_noise(desk)
    assert await reminders(desk).send_progress_reminders(at(5, 10)) == 1
    [row] = await sent(desk)
    assert row.message_key == "reminders.progress_overdue"
    assert row.params == {"number": number, "due": "2026-11-04 10:00"}


async def test_the_resident_is_warned_once_before_the_limit_passes(desk: Desk) -> None:
    number = await file_noise(desk)
    service = reminders(desk)
    counts = {m: await service.warn_resolution_at_risk(m) for m in hourly(at(2, 11), at(4, 17))}
    # Tuesday 10:00 leaves exactly one working day (8.5 h) before Wednesday 10:00: not yet.
    assert counts[at(3, 10)] == 0
    assert [m for m, n in counts.items() if n] == [at(3, 11)]
    [row] = await sent(desk)
    assert (row.chat_id, row.message_key) == (RESIDENT, "reminders.at_risk")
    assert row.params == {"number": number, "due": "2026-11-04 10:00"}


async def test_resolved_tickets_are_not_at_risk(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), number, "已经处理")
    service = reminders(desk)
    assert await service.warn_resolution_at_risk(at(3, 16)) == 0
    assert await service.send_progress_reminders(at(5, 16)) == 0


async def test_morning_digest_per_assignee_and_for_the_staff_chat(desk: Desk) -> None:
    building = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, BUILDING)).number
    noise = await file_noise(desk)
    unassigned = await file_noise(desk)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), building)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), noise)
    service = reminders(desk)

    assert await service.send_morning_digests(at(3, 8, 29)) == 0
    assert await service.send_morning_digests(at(3, 8, 30)) == 2
    assert await service.send_morning_digests(at(3, 9, 30)) == 0  # once a day
    mine, staff_chat = await sent(desk)
    assert (mine.chat_id, mine.message_key) == (STAFF, "reminders.digest_mine")
    assert (mine.params["date"], mine.params["count"], mine.params["shown"]) == ("2026-11-03", 2, 2)
    # Soonest due first: the noise ticket (Wednesday) before the building (16 November).
    lines = mine.params["tickets"].splitlines()
    assert lines[0].startswith(f"• {noise} · 噪音扰民 · 11-04 10:00")
    assert lines[2].startswith(f"• {building} · 违章搭建 · 11-16 10:00")
    assert (staff_chat.chat_id, staff_chat.message_key) == (
        STAFF_CHAT,
        "reminders.digest_unassigned",
    )
    assert staff_chat.params["count"] == 1 and unassigned in staff_chat.params["tickets"]
    text = t("en", mine.message_key, **mine.params)
    assert "you have 2 open tickets" in text and "⚠️" not in mine.params["tickets"]


async def test_digest_after_a_late_start_weekends_and_evenings(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.staff.accept(Actor(STAFF_2, STAFF_CHAT), number)
    service = reminders(desk)
    assert await service.send_morning_digests(at(7, 9)) == 0  # Saturday
    assert await service.send_morning_digests(at(5, 18)) == 0  # after the working day
    # Started at 11:00 on Thursday: the morning's digest still goes out, flagged overdue.
    assert await service.send_morning_digests(at(5, 11)) == 1
    [row] = await sent(desk)
    assert row.chat_id == STAFF_2 and "⚠️" in row.params["tickets"]


async def test_overdue_tickets_go_to_officials_once_per_day(desk: Desk) -> None:
    number = await file_noise(desk)
    service = reminders(desk)
    assert await service.escalate_overdue(at(2, 14)) == 0  # due at 14:00, not past it
    assert await service.escalate_overdue(at(2, 15)) == 2
    assert await service.escalate_overdue(at(2, 16)) == 0
    assert await service.escalate_overdue(at(2, 22)) == 0  # nobody is paged at night
    assert await service.escalate_overdue(at(3, 9)) == 2  # a new working day

    rows = await sent(desk)
    assert sorted(r.chat_id for r in rows) == [OFFICIAL, OFFICIAL, ADMIN, ADMIN]
    assert {r.message_key for r in rows} == {"reminders.escalate_response"}
    params = rows[0].params
    assert (params["number"], params["category"], params["due"]) == (
        number,
        "噪音扰民",
        "2026-11-02 14:00",
    )
    assert params["late_hours"] == "1.0" and params["assignee"] == "—"


async def test_an_overdue_ticket_is_escalated_once_after_a_downtime(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    service = reminders(desk)
    # Down from Monday morning to Wednesday 15:00; then the hourly ticks resume.
    counts = [await service.escalate_overdue(m) for m in hourly(at(4, 15), at(4, 17))]
    assert counts == [2, 0, 0]
    rows = await sent(desk)
    assert {r.message_key for r in rows} == {"reminders.escalate_resolution"}
    assert rows[0].params["assignee"] == f"staff{STAFF}"
    assert rows[0].params["late_hours"] == "5.0"


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant", "en"])
async def test_every_reminder_renders_in_every_language(lite_desk: Desk, language: str) -> None:
    desk = lite_desk
    building = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, BUILDING)).number
    noise = await file_noise(desk)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), building)
    service = reminders(desk)
    await service.escalate_overdue(at(2, 15))
    await service.warn_resolution_at_risk(at(3, 11))
    await service.send_morning_digests(at(4, 8, 30))
    await service.escalate_overdue(at(4, 11))
    await service.send_progress_reminders(at(5, 11))
    rows = await sent(desk)
    assert len({r.message_key for r in rows}) == 7  # every key of the reminders catalog
    for row in rows:
        text = t(language, row.message_key, **row.params)  # KeyError if a parameter is missing
        assert "{" not in text
        if "number" in row.params:
            assert row.params["number"] in (building, noise) and row.params["number"] in text


async def test_the_staff_chat_digest_masks_phone_numbers_even_where_it_cuts(desk: Desk) -> None:
    # The number starts at the 31st character: cut at 40 before masking, its first nine
    # digits would be left, too few for the phone pattern to see.
    told = "我叫张伟，电话13812345678，家里水管漏了"
    cut = (
        "楼上漏水漏到我家天花板已经好几天了，物业说不归他们管，怎么办"
        + "13987654321"
        + "请尽快来看"
    )
    first = await file_noise(desk, complaint=Complaint(category="noise", description=told))
    second = await file_noise(desk, complaint=Complaint(category="noise", description=cut))
    assert await reminders(desk).send_morning_digests(at(3, 8, 30)) == 1

    [row] = await sent(desk)
    text = t("zh-Hans", row.message_key, **row.params)
    assert row.chat_id == STAFF_CHAT and first in text and second in text
    assert "我叫张伟，电话138****5678，家里水管漏了" in text
    assert "13812345678" not in text and "139876543" not in text


async def test_officials_are_told_of_an_overdue_ticket_without_the_residents_words(
    desk: Desk,
) -> None:
    # Officials see no personal data (README, "Your data"): category and building only.
    told = Complaint("noise", "我叫张伟，电话13812345678，楼上天天装修", "幸福小区3号楼2单元501室")
    number = await file_noise(desk, complaint=told)
    assert await reminders(desk).escalate_overdue(at(2, 15)) == 2

    for row in await sent(desk):
        text = t("zh-Hans", row.message_key, **row.params)
        assert row.chat_id in (OFFICIAL, ADMIN) and number in text and "📍 幸福小区3号楼" in text
        assert not any(said in text for said in ("张伟", "5678", "装修", "501", "2单元"))
