"""Drafts and other processes: idle drafts expire every minute, and on PostgreSQL the drafts
begun in other processes are picked up every two seconds (JobQueue jobs).

Both run in every process that consumes updates, not only in the scheduler leader
(bot/scheduler.py), because they keep this process's in-memory view of who is in the middle
of a draft. Several processes expiring at once are harmless: each draft is dropped by one
conditional statement, so it is dropped, and its owner told, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telegram.ext import Application, ContextTypes

EXPIRY_EVERY_S = 60
FOLLOW_EVERY_S = 2
Expire = Callable[[Application, datetime], Awaitable[object]]  # type: ignore[type-arg]
Load = Callable[[Application], Awaitable[object]]  # type: ignore[type-arg]


def expire_every_minute(
    application: Application,  # type: ignore[type-arg]
    name: str,
    expire: Expire,
) -> None:
    """Run ``expire(application, now)`` every EXPIRY_EVERY_S seconds (no JobQueue: never)."""
    if application.job_queue is None:
        return

    async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await expire(context.application, datetime.now(UTC))

    application.job_queue.run_repeating(
        job, interval=EXPIRY_EVERY_S, first=EXPIRY_EVERY_S, name=name
    )


def follow_other_processes(
    application: Application,  # type: ignore[type-arg]
    name: str,
    load: Load,
) -> None:
    """On PostgreSQL, run ``load(application)`` every FOLLOW_EVERY_S seconds.

    Behind a webhook several processes share the database, and a draft started in one must
    be known to the others, which hold their own in-memory view of who is in the middle of
    one. ``load`` only adds owners: one whose draft ended elsewhere is harmless (the handler
    finds no draft and lets the message through). SQLite has one process: nothing to follow.
    """
    services: Any = application.bot_data.get("services")
    if application.job_queue is None or services is None or services.db.is_sqlite:
        return

    async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await load(context.application)

    application.job_queue.run_repeating(
        job, interval=FOLLOW_EVERY_S, first=FOLLOW_EVERY_S, name=name
    )
