"""The scheduler: the jobs it registers, what a tick does, leadership, catch-up after a downtime.

Job functions are called directly with a fake clock (no waiting for APScheduler); one test
checks what ``register_jobs`` puts on PTB's JobQueue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from telegram.ext import ApplicationBuilder

from bot.context import context_types, runtime_of
from bot.scheduler import (
    LEADER_JOB,
    ScheduledJob,
    Scheduler,
    register_jobs,
    scheduled_jobs,
    stop_scheduler,
)
from handlers.context import LinliApp
from services import Services, open_services
from services.access import Actor
from services.knowledge.live import LiveKnowledge
from storage import Database
from storage.leader import LeaderLock
from storage.models import OutboxMessage
from tests.services.conftest import (
    ADMIN,
    OFFICIAL,
    STAFF,
    STAFF_CHAT,
    Clock,
    Desk,
    add_people,
    file_noise,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock() -> Clock:
    return Clock()  # Monday 2 November 2026, 10:00 in Shanghai


@asynccontextmanager
async def opened(db: Database, clock: Clock, knowledge: LiveKnowledge) -> AsyncIterator[Services]:
    """linli's real services on the test database (already migrated), people registered."""
    services = await open_services(
        db.engine.url.render_as_string(hide_password=False),
        None,
        "zh-Hans",
        clock=clock,
        knowledge=knowledge,
        staff_chat_id=STAFF_CHAT,
    )
    try:
        await add_people(services.db)
        yield services
    finally:
        await services.close()


@pytest.fixture
async def services(
    database: Database, clock: Clock, live_knowledge: LiveKnowledge
) -> AsyncIterator[Services]:
    """The services on SQLite and PostgreSQL."""
    async with opened(database, clock, live_knowledge) as services:
        yield services


@pytest.fixture
async def lite_services(
    sqlite_database: Database, clock: Clock, live_knowledge: LiveKnowledge
) -> AsyncIterator[Services]:
    """The services on SQLite only."""
    async with opened(sqlite_database, clock, live_knowledge) as services:
        yield services


def application_with(services: Services) -> LinliApp:
    application = ApplicationBuilder().token("123:TEST").context_types(context_types()).build()
    application.bot_data.services = services
    return application


async def test_register_jobs_puts_every_job_on_the_job_queue(lite_services: Services) -> None:
    application = application_with(lite_services)
    scheduler = register_jobs(application)  # the working calendar's zone: Asia/Shanghai

    assert runtime_of(application).scheduler is scheduler
    assert application.job_queue is not None
    names = sorted(job.name or "" for job in application.job_queue.jobs())
    assert names == [
        "awaiting.expire",
        "broadcast.expire_drafts",
        "bulletins.run_due",
        "filing.expire_drafts",
        "holiday_alerts.warn_admins",
        "holiday_alerts.warn_admins.startup",
        "kb_learning.digest",
        "kb_learning.digest.startup",
        "notices.send_due",
        "privacy.retention",
        "privacy.retention.startup",
        "reminders.at_risk",
        "reminders.digest",
        "reminders.digest.startup",
        "reminders.escalate",
        "reminders.progress",
        LEADER_JOB,
        "supervision.digest",
        "supervision.digest.startup",
        "tickets.close_unrated",
        "tickets.close_unrated.startup",
    ]
    [digest] = application.job_queue.get_jobs_by_name("reminders.digest")
    trigger = digest.job.trigger
    assert trigger.timezone == SH
    assert "hour='8', minute='30'" in str(trigger)
    [supervision] = application.job_queue.get_jobs_by_name("supervision.digest")
    assert "hour='8', minute='45'" in str(supervision.job.trigger)
    [hourly] = application.job_queue.get_jobs_by_name("reminders.escalate")
    assert hourly.job.trigger.interval == timedelta(hours=1)


async def test_every_job_is_registered(lite_services: Services, clock: Clock) -> None:
    jobs = {job.name: job for job in scheduled_jobs(lite_services)}
    assert jobs["notices.send_due"].every == timedelta(minutes=1)
    assert jobs["notices.send_due"].action == lite_services.notices.send_due_notices
    assert jobs["bulletins.run_due"].action == lite_services.bulletins.run_due_bulletins
    assert jobs["kb_learning.digest"].action == lite_services.kb_learning.send_weekly_digest
    alert = jobs["holiday_alerts.warn_admins"]  # daily, weekly in effect, like the digest
    assert alert.action == lite_services.holiday_alerts.warn_admins and alert.daily_at
    scheduler = Scheduler(LeaderLock(lite_services.db), clock)
    await scheduler.refresh_leadership()
    # Nothing is due: each runs (None would mean it failed) and queues nothing.
    assert await scheduler.tick(jobs["notices.send_due"]) == []
    assert await scheduler.tick(jobs["bulletins.run_due"]) == []


async def test_a_failing_job_is_logged_with_its_name_and_does_not_raise(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(_now: datetime) -> int:
        raise RuntimeError("database went away")

    scheduler = Scheduler(LeaderLock(sqlite_database), Clock())
    await scheduler.refresh_leadership()
    with caplog.at_level(logging.ERROR, logger="linli.scheduler"):
        assert await scheduler.tick(ScheduledJob("reminders.broken", broken)) is None
    assert "scheduled job reminders.broken failed" in caplog.text
    assert "database went away" in caplog.text


async def test_a_tick_works_only_in_the_leading_process(database: Database) -> None:
    calls: list[datetime] = []

    async def record(now: datetime) -> int:
        calls.append(now)
        return 1

    clock, job = Clock(), ScheduledJob("record", record)
    rival = LeaderLock(database)  # another linli process, started first
    scheduler = Scheduler(LeaderLock(database), clock)
    try:
        await rival.refresh()
        if database.is_sqlite:  # one process: it leads from its first tick
            assert await scheduler.tick(job) == 1 and calls == [clock.now]
            return
        assert await scheduler.tick(job) is None and calls == []  # asked, refused
        await rival.release()  # the other process stops
        assert await scheduler.tick(job) is None  # no retry on every tick...
        assert await scheduler.refresh_leadership()  # ...but at the minute's refresh
        assert await scheduler.tick(job) == 1 and calls == [clock.now]
    finally:
        await rival.release()
        await scheduler.stop()


async def test_an_overdue_ticket_is_escalated_once_after_a_downtime(
    services: Services, clock: Clock
) -> None:
    database = services.db
    desk = Desk(database, clock, services.tickets)
    number = await file_noise(desk)  # first response due at 14:00
    await desk.tickets.staff.note(
        Actor(STAFF, STAFF_CHAT), number, "still looking for the building manager"
    )
    application = application_with(services)
    scheduler = register_jobs(application, scheduler=Scheduler(LeaderLock(database), clock))
    jobs = {job.name: job for job in scheduled_jobs(application.bot_data.services)}
    try:
        assert await scheduler.refresh_leadership()
        # linli was down from 10:00 until 16:10; it comes back and the hourly ticks resume.
        clock.now = datetime(2026, 11, 2, 16, 10, tzinfo=SH)
        counts = []
        for _ in range(3):  # the startup run at 16:10, then 17:10 and (after hours) 18:10
            counts.append(await scheduler.tick(jobs["reminders.escalate"]))
            clock.advance(hours=1)
    finally:
        await stop_scheduler(application)
    assert counts == [2, 0, 0]
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    escalations = [r for r in rows if r.message_key.startswith("reminders.escalate")]
    assert sorted(r.chat_id for r in escalations) == sorted([OFFICIAL, ADMIN])
    assert escalations[0].params["number"] == number


@pytest.mark.postgres
async def test_two_processes_cannot_both_lead(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has one process, which always leads")
    first, second = LeaderLock(database), LeaderLock(database)
    try:
        assert await first.refresh() is True
        assert await second.refresh() is False
        assert await first.refresh() is True  # keeps it
        assert (first.held, second.held) == (True, False)
        await first.release()
        assert await second.refresh() is True
        assert await first.refresh() is False
    finally:
        await first.release()
        await second.release()


@pytest.mark.postgres
async def test_a_standby_takes_over_when_the_leader_connection_dies(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("PostgreSQL advisory locks only")
    leader, standby = LeaderLock(database), LeaderLock(database)
    try:
        assert await leader.refresh() is True
        assert await standby.refresh() is False
        # The leader's session ends as in a crash: the server frees its advisory lock.
        async with database.transaction() as session:
            killed = await session.scalar(
                text(
                    # Only this test's fresh database: other sessions on the server are
                    # none of our business.
                    "SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l "
                    "JOIN pg_database d ON d.oid = l.database "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND d.datname = current_database() AND l.pid <> pg_backend_pid()"
                )
            )
        assert killed == 1
        # pg_terminate_backend only signals the backend; its locks go when it has exited.
        for _ in range(50):
            if await standby.refresh():
                break
            await asyncio.sleep(0.1)
        assert standby.held is True
        assert await leader.refresh() is False  # notices the lost connection, stays standby
    finally:
        await leader.release()
        await standby.release()


async def test_sqlite_always_leads(sqlite_database: Database) -> None:
    lock = LeaderLock(sqlite_database)
    assert lock.held is False
    assert await lock.refresh() is True and lock.held
    await lock.release()
    assert lock.held is False


async def test_the_daily_job_closes_resolved_tickets_nobody_rated(
    lite_services: Services, clock: Clock
) -> None:
    desk = Desk(lite_services.db, clock, lite_services.tickets)
    number = await file_noise(desk)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), number, "已处理")
    jobs = {job.name: job for job in scheduled_jobs(lite_services)}
    scheduler = Scheduler(LeaderLock(lite_services.db), clock)
    clock.advance(days=6)
    assert await scheduler.tick(jobs["tickets.close_unrated"]) == 0
    clock.advance(days=2)  # past the 7 days a resident has to rate
    assert await scheduler.tick(jobs["tickets.close_unrated"]) == 1
    assert (
        await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    ).status == "closed"
