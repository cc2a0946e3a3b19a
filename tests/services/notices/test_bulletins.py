"""Bulletins: definitions and their checks, schedules, catch-up once, live figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from services.errors import InvalidInput, NotFound, PermissionDenied
from services.notices.bulletin_schedule import Schedule, latest_run, next_run, window
from services.notices.bulletins import BulletinService, BulletinSpec, parse_weekday
from services.notices.subscriptions import SubscriptionService
from services.notices.views import OPERATOR, Audience
from services.workdays.worktime import TIMEZONE as TZ
from storage import Database
from storage.models import OutboxMessage, Recurrence, Resident, Ticket
from tests.services.conftest import (
    NEIGHBOUR,
    OFFICIAL,
    RESIDENT,
    STAFF,
    Clock,
    add_people,
)

WEEKLY = BulletinSpec(
    name="每周居务公开",
    recurrence="weekly",
    at=time(9, 0),
    weekday=0,
    audience=Audience.topic("disclosure"),
    template="【居务公开】{period}：受理{received}件，办结{resolved}件，"
    "主要问题：{top_categories}；满意率{satisfaction}（{ratings}条评价）。",
)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@dataclass
class World:
    db: Database
    clock: Clock
    bulletins: BulletinService


@pytest.fixture
async def world(database: Database) -> World:
    await add_people(database)
    clock = Clock(local(2026, 11, 2, 10, 0))  # Monday
    return World(database, clock, BulletinService(database, clock))


# --- schedule arithmetic (no database) -------------------------------------------------------


def test_next_and_latest_runs() -> None:
    monday_10 = local(2026, 11, 2, 10, 0)
    weekly = Schedule(Recurrence.WEEKLY, time(9, 0), weekday=0)
    assert next_run(weekly, monday_10, TZ) == local(2026, 11, 9, 9, 0)
    assert next_run(weekly, local(2026, 11, 2, 8, 59), TZ) == local(2026, 11, 2, 9, 0)
    assert latest_run(weekly, monday_10, TZ) == local(2026, 11, 2, 9, 0)
    daily = Schedule(Recurrence.DAILY, time(18, 30))
    assert next_run(daily, local(2026, 11, 2, 18, 30), TZ) == local(2026, 11, 3, 18, 30)
    month_end = Schedule(Recurrence.MONTHLY, time(9, 0), day=31)
    assert next_run(month_end, monday_10, TZ) == local(2026, 11, 30, 9, 0)
    assert next_run(month_end, local(2027, 1, 31, 10, 0), TZ) == local(2027, 2, 28, 9, 0)
    quarterly = Schedule(Recurrence.QUARTERLY, time(9, 0), day=1)
    assert next_run(quarterly, monday_10, TZ) == local(2027, 1, 1, 9, 0)
    assert latest_run(quarterly, monday_10, TZ) == local(2026, 10, 1, 9, 0)


def test_windows_cover_the_period_the_day_before_the_run_is_in() -> None:
    monday = window(Recurrence.WEEKLY, local(2026, 11, 9, 9, 0), TZ)
    assert (monday.start, monday.end) == (local(2026, 11, 2), local(2026, 11, 9))
    assert monday.label == "2026-11-02 至 2026-11-08"
    friday = window(Recurrence.WEEKLY, local(2026, 11, 6, 17, 0), TZ)
    assert (friday.start, friday.end) == (local(2026, 11, 2), local(2026, 11, 6, 17, 0))
    december = window(Recurrence.MONTHLY, local(2026, 12, 1, 9, 0), TZ)
    assert (december.start, december.end, december.label) == (
        local(2026, 11, 1),
        local(2026, 12, 1),
        "2026年11月",
    )
    january = window(Recurrence.QUARTERLY, local(2027, 1, 1, 9, 0), TZ)
    assert (january.start, january.label) == (local(2026, 10, 1), "2026年第4季度")


def test_weekdays_are_read_in_english_chinese_and_numbers() -> None:
    assert [parse_weekday(w) for w in ("mon", "Sunday", "3", "周五", "星期日")] == [0, 6, 2, 4, 6]
    with pytest.raises(InvalidInput, match="not a weekday"):
        parse_weekday("someday")


# --- definitions -------------------------------------------------------------------------------


async def test_add_lists_the_bulletin_with_its_first_run(world: World) -> None:
    added = await world.bulletins.add(OFFICIAL, WEEKLY)
    assert added.next_run_at == local(2026, 11, 9, 9, 0)
    assert (added.author_telegram_id, added.audience) == (OFFICIAL, Audience("topic", "disclosure"))
    by_operator = await world.bulletins.add(OPERATOR, _spec(name="季度工作总结"))
    assert by_operator.author_telegram_id is None
    listed = await world.bulletins.list_bulletins(OPERATOR)
    assert [b.name for b in listed] == ["每周居务公开", "季度工作总结"]


def _spec(**changes: object) -> BulletinSpec:
    values = {
        "name": "季度工作总结",
        "recurrence": "quarterly",
        "at": time(10, 0),
        "day_of_month": 5,
        "audience": Audience.everyone(),
        "template": "{period}共受理{received}件。",
    }
    values.update(changes)
    return BulletinSpec(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"template": "本周{week_recieved}件"}, r"unknown placeholder\(s\) \{week_recieved\}"),
        ({"template": "满意率{satisfaction:.1f}"}, "plainly"),
        ({"template": "a { b"}, "single"),
        ({"template": "  "}, "empty"),
        ({"name": ""}, "name"),
        ({"recurrence": "hourly"}, "unknown recurrence"),
        ({"recurrence": "daily"}, "day of the month"),
        ({"recurrence": "weekly", "day_of_month": None}, "weekday is needed"),
        ({"day_of_month": 32}, "1 to 31"),
        ({"audience": Audience.topic("gossip")}, "unknown topic"),
    ],
)
async def test_bad_definitions_are_refused(
    world: World, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        await world.bulletins.add(OFFICIAL, _spec(**changes))
    assert await world.bulletins.list_bulletins(OFFICIAL) == []


async def test_names_are_unique_until_removed(world: World) -> None:
    first = await world.bulletins.add(OFFICIAL, WEEKLY)
    with pytest.raises(InvalidInput, match="exists already"):
        await world.bulletins.add(OFFICIAL, WEEKLY)
    await world.bulletins.remove(OFFICIAL, first.id)
    with pytest.raises(NotFound):
        await world.bulletins.remove(OFFICIAL, first.id)
    await world.bulletins.add(OFFICIAL, WEEKLY)


@pytest.mark.parametrize("who", [RESIDENT, STAFF])
async def test_residents_and_staff_cannot_manage_bulletins(world: World, who: int) -> None:
    existing = await world.bulletins.add(OFFICIAL, WEEKLY)
    with pytest.raises(PermissionDenied):
        await world.bulletins.add(who, _spec())
    with pytest.raises(PermissionDenied):
        await world.bulletins.list_bulletins(who)
    with pytest.raises(PermissionDenied):
        await world.bulletins.remove(who, existing.id)
    assert [b.id for b in await world.bulletins.list_bulletins(OFFICIAL)] == [existing.id]


# --- running -----------------------------------------------------------------------------------


async def add_ticket(
    db: Database,
    category: str,
    created: datetime,
    resolved: datetime | None = None,
    score: int | None = None,
) -> None:
    async with db.transaction() as session:
        resident_id = await session.scalar(
            select(Resident.id).where(Resident.telegram_id == RESIDENT)
        )
        count = len(list(await session.scalars(select(Ticket.id))))
        session.add(
            Ticket(
                number=f"2611-{count + 1:04d}",
                category=category,
                status="resolved" if resolved else "new",
                resident_id=resident_id,
                description="楼道灯坏了",
                photos=[],
                anonymous=False,
                created_at=created,
                updated_at=resolved or created,
                response_due_at=created + timedelta(hours=4),
                resolution_due_at=created + timedelta(days=5),
                resolved_at=resolved,
                rating_score=score,
            )
        )


async def test_downtime_catch_up_runs_once_with_the_latest_period(world: World) -> None:
    await SubscriptionService(world.db, world.clock).subscribe(NEIGHBOUR, "disclosure")
    await world.bulletins.add(OFFICIAL, WEEKLY)
    # Week of 16-22 November (the latest run missed is Monday 23 November 09:00).
    await add_ticket(world.db, "noise", local(2026, 11, 16, 10), local(2026, 11, 17, 10), 5)
    await add_ticket(world.db, "noise", local(2026, 11, 18, 10), local(2026, 11, 20, 10), 2)
    await add_ticket(world.db, "facilities", local(2026, 11, 19, 10))
    await add_ticket(world.db, "sanitation", local(2026, 11, 19, 11), local(2026, 11, 21, 9), 4)
    await add_ticket(world.db, "noise", local(2026, 11, 23, 10))  # after the period
    # linli was down from 2 to 25 November (missed the 9th, 16th and 23rd): a new process.
    now = local(2026, 11, 25, 14, 0)
    world.clock.now = now
    restarted = BulletinService(world.db, world.clock)
    notices = await restarted.run_due_bulletins()
    assert len(notices) == 1
    assert notices[0].text == (
        "【居务公开】2026-11-16 至 2026-11-22：受理4件，办结3件，"
        "主要问题：噪音扰民 2件、设施报修 1件、环境卫生 1件；满意率67%（3条评价）。"
    )
    assert await restarted.run_due_bulletins(now + timedelta(minutes=1)) == []
    (listed,) = await restarted.list_bulletins(OFFICIAL)
    assert (listed.next_run_at, listed.last_run_at) == (local(2026, 11, 30, 9, 0), now)
    async with world.db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert [(r.chat_id, r.notice_id, r.params["text"]) for r in rows] == [
        (NEIGHBOUR, notices[0].id, notices[0].text)
    ]
    # The next Monday it runs again, on its own week.
    later = await restarted.run_due_bulletins(local(2026, 11, 30, 9, 0))
    assert len(later) == 1 and "2026-11-23 至 2026-11-29：受理1件" in later[0].text


async def test_quiet_hours_hold_a_bulletin_and_removed_ones_stop(world: World) -> None:
    nightly = await world.bulletins.add(
        OPERATOR,
        _spec(
            name="夜间提醒",
            recurrence="daily",
            day_of_month=None,
            at=time(23, 0),
            template="{date} 未办结{open_tickets}件",
        ),
    )
    await add_ticket(world.db, "noise", local(2026, 11, 2, 11))
    notices = await world.bulletins.run_due_bulletins(local(2026, 11, 2, 23, 0))
    assert [n.text for n in notices] == ["2026-11-02 未办结1件"]
    async with world.db.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert len(rows) == 7 and {r.next_attempt_at for r in rows} == {local(2026, 11, 3, 7, 0)}
    await world.bulletins.remove(OFFICIAL, nightly.id)
    assert await world.bulletins.run_due_bulletins(local(2026, 11, 3, 23, 0)) == []


async def test_figures_with_no_tickets_read_honestly(world: World) -> None:
    spec = _spec(
        name="月报",
        recurrence="monthly",
        day_of_month=1,
        template="{period} 受理{month_received} 满意率{satisfaction} 主要{top_categories}",
    )
    await world.bulletins.add(OFFICIAL, spec)
    (notice,) = await world.bulletins.run_due_bulletins(local(2026, 12, 1, 10, 0))
    assert notice.text == "2026年11月 受理0 满意率暂无评价 主要无"
    assert date(2026, 12, 1) == notice.created_at.astimezone(TZ).date()


async def test_a_failing_bulletin_stays_due_and_others_still_run(world: World) -> None:
    first = await world.bulletins.add(OFFICIAL, WEEKLY)
    await world.bulletins.add(
        OFFICIAL,
        _spec(name="周一提醒", recurrence="weekly", day_of_month=None, weekday=0, at=time(9, 0)),
    )
    real = world.bulletins.figures.compute
    calls: list[int] = []

    async def flaky(*args: object) -> dict[str, str]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("reports database unreachable")
        return await real(*args)  # type: ignore[arg-type]

    world.bulletins.figures.compute = flaky  # type: ignore[method-assign]
    monday = local(2026, 11, 9, 9, 0)
    ran = await world.bulletins.run_due_bulletins(monday)
    assert [n.bulletin_id for n in ran] == [first.id + 1]
    listed = {b.id: b.next_run_at for b in await world.bulletins.list_bulletins(OFFICIAL)}
    assert listed[first.id] == monday  # still due
    retried = await world.bulletins.run_due_bulletins(monday + timedelta(minutes=1))
    assert [n.bulletin_id for n in retried] == [first.id]
