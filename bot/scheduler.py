"""The scheduler: PTB's JobQueue (APScheduler) is only the clock that wakes the services.

What is due, and what was already sent, lives in the database: every job asks a service to
"do what is due as of now" (reminders, auto-close, notices, bulletins), and the outbox's
idempotency keys make a repeated run harmless. Jobs are registered at start, so after a
restart they are all back, and each also runs shortly after start: a run missed while linli
was down therefore happens once, at that first run, never once per missed period.

Only the scheduler leader does the work (storage.leader: a PostgreSQL advisory lock; on
SQLite the single process). A tick in a process that does not lead does nothing, and every
process retries leadership every minute, so a standby takes over within a minute of the
leader's death. A job that raises is logged with its name; it never stops the application.
The few jobs that keep a process's own state (following the knowledge-base files) run in
every process: ``register_process_jobs``. Every timer of linli is registered here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sized
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import CallbackContext

from bot.context import runtime_of
from bot.district_follow import reload_district_if_changed
from bot.knowledge_follow import reload_if_changed
from handlers.context import LinliApp
from services import Services
from services.residents.awaiting import BROADCAST_IDLE, FILING_IDLE
from services.tickets.supervision import DIGEST_AT as SUPERVISION_DIGEST_AT
from storage.leader import LeaderLock

log = logging.getLogger("linli.scheduler")

LEADER_JOB = "scheduler.leader"
LEADER_EVERY = timedelta(minutes=1)
STARTUP_DELAY_S = 10.0  # after the leader's first try, before the catch-up runs
REMINDERS_EVERY = timedelta(hours=1)
DUE_EVERY = timedelta(minutes=1)  # notices and bulletins
EXPIRY_EVERY = timedelta(minutes=1)  # idle drafts, answers no longer awaited
KB_FOLLOW_EVERY_S = 5  # a knowledge-base change is live in every process within this
CLOSE_UNRATED_AT = time(3, 0)
KB_DIGEST_AT = time(9, 0)
HOLIDAY_ALERT_AT = time(9, 30)
RETENTION_AT = time(3, 30)
# A run whose time passed while the event loop was busy still runs, once (coalesce): missed
# runs are caught up by the services' "as of now", not by replaying every period.
_JOB_KWARGS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}

Clock = Callable[[], datetime]
Action = Callable[[datetime], Awaitable[object]]
JobCallback = Callable[[CallbackContext[Any, Any, Any, Any]], Coroutine[Any, Any, None]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """One use case woken by the clock: repeating ``every`` or daily at ``daily_at``."""

    name: str
    action: Action  # called with the scheduler's now; returns a count or a summary
    every: timedelta | None = None
    daily_at: time | None = None  # in the scheduler's time zone


class Scheduler:
    """Runs jobs when this process leads; never lets one raise into PTB."""

    def __init__(self, leader: LeaderLock, clock: Clock = _utc_now) -> None:
        self.leader = leader
        self.clock = clock
        self._tried = False

    async def tick(self, job: ScheduledJob) -> object | None:
        """One run of ``job`` as of the clock's now; None when not leading or it failed."""
        if not self._tried:
            # Jobs registered before the JobQueue starts may fire before the first leader
            # refresh (APScheduler moves a past start to the next interval), so ask here.
            await self.refresh_leadership()
        if not self.leader.held:
            log.debug("%s: not the scheduler leader, skipped", job.name)
            return None
        try:
            result = await job.action(self.clock())
        except Exception:
            log.exception("scheduled job %s failed", job.name)
            return None
        if result:  # a count, or the records it queued (notices): log how many
            log.info(
                "scheduled job %s: %s",
                job.name,
                len(result) if isinstance(result, Sized) else result,
            )
        return result

    def leads(self) -> bool:
        """Whether this process leads, as of the last refresh (asked by the delivery worker)."""
        return self.leader.held

    async def refresh_leadership(self) -> bool:
        """Keep or seek leadership (every minute); False, logged, if that failed."""
        self._tried = True
        try:
            return await self.leader.refresh()
        except Exception:
            log.exception("scheduled job %s failed", LEADER_JOB)
            return False

    async def stop(self) -> None:
        """Hand leadership over (at shutdown); the JobQueue stops with the application."""
        await self.leader.release()


def expire_filing_drafts(services: Services) -> Action:
    """Drop filing drafts idle for FILING_IDLE (their owners are told through the outbox)."""

    async def expire(now: datetime) -> tuple[int, ...]:
        return await services.tickets.system.expire_drafts(now, FILING_IDLE)

    return expire


def expire_broadcast_drafts(services: Services) -> Action:
    """Discard broadcast drafts idle for BROADCAST_IDLE (their authors are told)."""

    async def expire(now: datetime) -> tuple[int, ...]:
        return await services.notices.expire_drafts(now, BROADCAST_IDLE)

    return expire


def scheduled_jobs(services: Services) -> list[ScheduledJob]:
    """Every job linli runs, each one a use case of ``services``."""
    reminders = services.reminders
    return [
        ScheduledJob("reminders.progress", reminders.send_progress_reminders, REMINDERS_EVERY),
        ScheduledJob("reminders.at_risk", reminders.warn_resolution_at_risk, REMINDERS_EVERY),
        ScheduledJob("reminders.escalate", reminders.escalate_overdue, REMINDERS_EVERY),
        ScheduledJob(
            "reminders.digest",
            reminders.send_morning_digests,
            daily_at=reminders.settings.digest_at,
        ),
        ScheduledJob(
            "tickets.close_unrated",
            services.tickets.system.close_unrated,
            daily_at=CLOSE_UNRATED_AT,
        ),
        # Daily, weekly in effect: the service sends one digest a week.
        ScheduledJob(
            "kb_learning.digest", services.kb_learning.send_weekly_digest, daily_at=KB_DIGEST_AT
        ),
        # Daily, weekly in effect: admins hear once a week about a year nobody covers.
        ScheduledJob(
            "holiday_alerts.warn_admins",
            services.holiday_alerts.warn_admins,
            daily_at=HOLIDAY_ALERT_AT,
        ),
        ScheduledJob("notices.send_due", services.notices.send_due_notices, DUE_EVERY),
        ScheduledJob("filing.expire_drafts", expire_filing_drafts(services), EXPIRY_EVERY),
        ScheduledJob("broadcast.expire_drafts", expire_broadcast_drafts(services), EXPIRY_EVERY),
        ScheduledJob("awaiting.expire", services.awaiting.expire, EXPIRY_EVERY),
        ScheduledJob("bulletins.run_due", services.bulletins.run_due_bulletins, DUE_EVERY),
        # Daily from 08:45 local: each official's digest of supervised and overdue tickets.
        ScheduledJob(
            "supervision.digest",
            services.tickets.supervision.send_daily_digest,
            daily_at=SUPERVISION_DIGEST_AT,
        ),
        # Does nothing unless LINLI_RETENTION_DAYS is set.
        ScheduledJob("privacy.retention", services.privacy.apply_retention, daily_at=RETENTION_AT),
    ]


def register_process_jobs(application: LinliApp) -> None:
    """Jobs every process runs, leader or not, because they keep its own state: following
    the knowledge-base files (each process holds its own matcher) and the district's.
    No JobQueue: none."""
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            reload_if_changed, KB_FOLLOW_EVERY_S, first=KB_FOLLOW_EVERY_S, name="knowledge.follow"
        )
        application.job_queue.run_repeating(
            reload_district_if_changed,
            KB_FOLLOW_EVERY_S,
            first=KB_FOLLOW_EVERY_S,
            name="district.follow",
        )


def register_jobs(
    application: LinliApp,
    *,
    timezone: str | None = None,
    scheduler: Scheduler | None = None,
    jobs: list[ScheduledJob] | None = None,
    startup_delay: float = STARTUP_DELAY_S,
) -> Scheduler:
    """Put linli's jobs on ``application.job_queue`` (call before or in post_init).

    Daily jobs run at their local time in ``timezone`` (default: the working calendar's,
    Asia/Shanghai, which the reminders use to decide what is due) and once
    ``startup_delay`` seconds after start; repeating ones first run then too. The
    Scheduler is kept on the Application's runtime for ``stop_scheduler``.
    """
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    services = application.bot_data.services
    if scheduler is None:
        scheduler = Scheduler(LeaderLock(services.db))
    runtime_of(application).scheduler = scheduler
    tz = services.reminders.calendar.tz if timezone is None else ZoneInfo(timezone)

    async def refresh(_context: CallbackContext[Any, Any, Any, Any]) -> None:
        await scheduler.refresh_leadership()

    queue.run_repeating(refresh, LEADER_EVERY, first=0, name=LEADER_JOB, job_kwargs=_JOB_KWARGS)
    for job in scheduled_jobs(services) if jobs is None else jobs:
        callback = _callback(scheduler, job)
        if job.every is not None:
            queue.run_repeating(
                callback, job.every, first=startup_delay, name=job.name, job_kwargs=_JOB_KWARGS
            )
        if job.daily_at is not None:
            at = job.daily_at.replace(tzinfo=tz)
            queue.run_daily(callback, at, name=job.name, job_kwargs=_JOB_KWARGS)
            queue.run_once(
                callback, startup_delay, name=f"{job.name}.startup", job_kwargs=_JOB_KWARGS
            )
    return scheduler


def _callback(scheduler: Scheduler, job: ScheduledJob) -> JobCallback:
    async def run(_context: CallbackContext[Any, Any, Any, Any]) -> None:
        await scheduler.tick(job)

    return run


async def stop_scheduler(application: LinliApp) -> None:
    """Release scheduler leadership at shutdown (no-op when no jobs were registered)."""
    scheduler = runtime_of(application).scheduler
    if scheduler is not None:
        await scheduler.stop()
