"""Admins hear in Telegram, once a week, about a year whose holidays linli does not know."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import count

import pytest
from sqlalchemy import select

from services.workdays.alerts import MESSAGE_KEY, WARN_AHEAD, HolidayAlertService
from services.workdays.holidays import parse_holiday_file
from services.workdays.worktime import TIMEZONE as TZ
from services.workdays.worktime import WorkCalendar
from storage import Database, Role
from storage.models import OutboxMessage
from storage.repositories.residents import (
    mark_inactive,
    set_resident_language,
    set_resident_role,
    upsert_resident,
)
from tests.services.conftest import ADMIN, T0, Clock, add_people

ADMIN_EN, ADMIN_GONE = 4002, 4003
# 2027 with chinese-calendar 1.11.0; the first later year a newer release does not know.
YEAR = next(year for year in count(2027) if not WorkCalendar().coverage(year).in_library)
FIRST_DAY = date(YEAR, 1, 1)
# A Monday within WARN_AHEAD of the year's first day (16 November 2026), 09:30 in Shanghai.
_NOV_16 = date(YEAR - 1, 11, 16)
MONDAY = datetime.combine(_NOV_16 - timedelta(days=_NOV_16.weekday()), time(9, 30), TZ)
HOLIDAY_FILE = """\
{year}:
  holidays:
    - {year}-01-01
  workdays:
    - {year}-02-20
"""


def holiday_file(year: int) -> str:
    return HOLIDAY_FILE.format(year=year)


async def add_admins(db: Database) -> None:
    """Besides add_people's admin: one who reads English, and one who blocked the bot."""
    await add_people(db)
    async with db.transaction() as session:
        for telegram_id in (ADMIN_EN, ADMIN_GONE):
            await upsert_resident(
                session, telegram_id=telegram_id, chat_id=telegram_id, display_name="a", now=T0
            )
            await set_resident_role(session, telegram_id, Role.ADMIN, now=T0)
        await set_resident_language(session, ADMIN_EN, "en")
        await mark_inactive(session, ADMIN_GONE)


async def alerts(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.message_key == MESSAGE_KEY)
        return list(await session.scalars(stmt.order_by(OutboxMessage.id)))


def service(
    db: Database, clock: Clock, calendar: WorkCalendar | None = None
) -> HolidayAlertService:
    return HolidayAlertService(db, clock, calendar or WorkCalendar())


def test_the_monday_is_within_the_window() -> None:
    assert MONDAY.weekday() == 0 and MONDAY.year == YEAR - 1
    assert MONDAY.date() + WARN_AHEAD >= FIRST_DAY


async def test_every_active_admin_hears_of_an_uncovered_year(database: Database) -> None:
    await add_admins(database)
    clock = Clock(MONDAY)

    assert await service(database, clock).warn_admins() == 2

    rows = await alerts(database)
    assert [(r.chat_id, r.language) for r in rows] == [(ADMIN, "zh-Hans"), (ADMIN_EN, "en")]
    assert {tuple(sorted(r.params.items())) for r in rows} == {
        (("file", ""), ("start", FIRST_DAY.isoformat()), ("year", YEAR))
    }
    week = f"{MONDAY.isocalendar().year}-W{MONDAY.isocalendar().week:02d}"
    assert rows[0].idempotency_key == f"calendar-uncovered:{YEAR}:{week}:{ADMIN}"


async def test_once_a_week_per_year(database: Database) -> None:
    await add_admins(database)
    clock = Clock(MONDAY)
    alerts_service = service(database, clock)
    assert await alerts_service.warn_admins() == 2

    clock.advance(days=6, hours=14)  # Sunday 23:30: still the same week
    assert await alerts_service.warn_admins() == 0
    clock.advance(hours=1)  # Monday 00:30, Shanghai time: a new week
    assert await alerts_service.warn_admins() == 2
    assert len(await alerts(database)) == 4


async def test_nothing_when_the_holiday_file_covers_the_year(database: Database) -> None:
    await add_admins(database)
    covered = WorkCalendar(holidays=parse_holiday_file(holiday_file(YEAR), "holidays.yaml"))
    assert covered.coverage(YEAR).in_file

    assert await service(database, Clock(MONDAY), covered).warn_admins() == 0
    assert await alerts(database) == []


async def test_nothing_more_than_sixty_days_ahead(database: Database) -> None:
    await add_admins(database)
    last_quiet_day = datetime.combine(FIRST_DAY - WARN_AHEAD, datetime.min.time(), TZ)
    clock = Clock(last_quiet_day - timedelta(minutes=1))  # 61 days before, 23:59 local

    assert await service(database, clock).warn_admins() == 0
    clock.advance(minutes=1)  # exactly 60 days before
    assert await service(database, clock).warn_admins() == 2


async def test_the_file_in_use_is_named(database: Database) -> None:
    await add_admins(database)
    other_year = WorkCalendar(holidays=parse_holiday_file(holiday_file(2100), "/etc/h.yaml"))

    assert await service(database, Clock(MONDAY), other_year).warn_admins() == 2
    assert {r.params["file"] for r in await alerts(database)} == {"/etc/h.yaml"}


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAFF, Role.OFFICIAL])
async def test_nobody_but_admins(sqlite_database: Database, role: Role) -> None:
    await add_admins(sqlite_database)
    async with sqlite_database.transaction() as session:
        await set_resident_role(session, ADMIN, role, now=T0)

    assert await service(sqlite_database, Clock(MONDAY)).warn_admins() == 1
    assert [r.chat_id for r in await alerts(sqlite_database)] == [ADMIN_EN]
