"""The scheduler: the jobs it registers, what a tick does, leadership, catch-up after a downtime.

Job functions are called directly with a fake clock (no waiting for APScheduler); one test
checks what ``register_jobs`` puts on PTB's JobQueue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from telegram.ext import Application, ApplicationBuilder

from bot.scheduler import (
    LEADER_JOB,
    SCHEDULER_KEY,
    ScheduledJob,
    Scheduler,
    register_jobs,
    scheduled_jobs,
    stop_scheduler,
)
from services.tickets import TicketService
from storage import Database
from storage.leader import LeaderLock
from storage.models import OutboxMessage
from tests.services.conftest import ADMIN, OFFICIAL, STAFF, Clock, Desk, add_people, file_noise
from tests.services.conftest import make_service as make_ticket_service

SH = ZoneInfo("Asia/Shanghai")


@dataclass
class Notices:
    """Stands in for the notices service's scheduled entry points; records each call."""

    calls: list[tuple[str, datetime]] = field(default_factory=list)

    async def send_due_notices(self, now: datetime) -> int:
        self.calls.append(("notices", now))
        return 0

    async def run_due_bulletins(self, now: datetime) -> int:
        self.calls.append(("bulletins", now))
        return 0


@dataclass
class LinliServices:
    """The parts of services.Services the scheduler uses, over a real database."""

    db: Database
    tickets: TicketService
    notices: Notices | None = None


def application_with(services: LinliServices) -> Application:  # type: ignore[type-arg]
    application = ApplicationBuilder().token("123:TEST").build()
    application.bot_data["services"] = services
    return application


async def test_register_jobs_puts_every_job_on_the_job_queue(sqlite_database: Database) -> None:
    services = LinliServices(sqlite_database, make_ticket_service(sqlite_database, Clock()))
    application = application_with(services)
    scheduler = register_jobs(application)  # the working calendar's zone: Asia/Shanghai

    assert application.bot_data[SCHEDULER_KEY] is scheduler
    assert application.job_queue is not None
    names = sorted(job.name or "" for job in application.job_queue.jobs())
    assert names == [
        "reminders.at_risk",
        "reminders.digest",
        "reminders.digest.startup",
        "reminders.escalate",
        "reminders.progress",
        LEADER_JOB,
        "tickets.close_unrated",
        "tickets.close_unrated.startup",
    ]
    [digest] = application.job_queue.get_jobs_by_name("reminders.digest")
    trigger = digest.job.trigger
    assert trigger.timezone == SH
    assert "hour='8', minute='30'" in str(trigger)
    [hourly] = application.job_queue.get_jobs_by_name("reminders.escalate")
    assert hourly.job.trigger.interval == timedelta(hours=1)


async def test_notice_and_bulletin_jobs_appear_once_the_services_offer_them(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    bare = LinliServices(sqlite_database, make_ticket_service(sqlite_database, Clock()))
    with caplog.at_level(logging.INFO, logger="linli.scheduler"):
        names = [job.name for job in scheduled_jobs(bare)]  # type: ignore[arg-type]
    assert "notices.send_due" not in names and "bulletins.run_due" not in names
    assert "send_due_notices is not available yet" in caplog.text

    notices = Notices()
    full = LinliServices(sqlite_database, bare.tickets, notices)
    jobs = {job.name: job for job in scheduled_jobs(full)}  # type: ignore[arg-type]
    assert jobs["notices.send_due"].every == timedelta(minutes=1)
    scheduler = Scheduler(LeaderLock(sqlite_database), Clock())
    await scheduler.refresh_leadership()
    await scheduler.tick(jobs["notices.send_due"])
    await scheduler.tick(jobs["bulletins.run_due"])
    assert [kind for kind, _ in notices.calls] == ["notices", "bulletins"]


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


async def test_an_overdue_ticket_is_escalated_once_after_a_downtime(database: Database) -> None:
    await add_people(database)
    clock = Clock()  # Monday 2 November 2026, 10:00 in Shanghai
    desk = Desk(database, clock, make_ticket_service(database, clock))
    number = await file_noise(desk)  # first response due at 14:00
    await desk.service.note(STAFF, number, "still looking for the building manager")
    application = application_with(LinliServices(database, desk.service))
    scheduler = register_jobs(application, scheduler=Scheduler(LeaderLock(database), clock))
    jobs = {job.name: job for job in scheduled_jobs(application.bot_data["services"])}
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
        assert await standby.refresh() is True
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
    sqlite_database: Database,
) -> None:
    await add_people(sqlite_database)
    clock = Clock()
    desk = Desk(sqlite_database, clock, make_ticket_service(sqlite_database, clock))
    number = await file_noise(desk)
    await desk.service.accept(STAFF, number)
    await desk.service.resolve(STAFF, number, "已处理")
    jobs = {job.name: job for job in scheduled_jobs(LinliServices(sqlite_database, desk.service))}  # type: ignore[arg-type]
    scheduler = Scheduler(LeaderLock(sqlite_database), clock)
    clock.advance(days=6)
    assert await scheduler.tick(jobs["tickets.close_unrated"]) == 0
    clock.advance(days=2)  # past the 7 days a resident has to rate
    assert await scheduler.tick(jobs["tickets.close_unrated"]) == 1
    assert (await desk.service.get_ticket_for_staff(STAFF, number)).status == "closed"
