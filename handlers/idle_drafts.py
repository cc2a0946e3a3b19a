"""The clock that expires idle drafts (filing and broadcast): a JobQueue job each, every minute.

The job runs in every process that consumes updates, not only in the scheduler leader
(bot/scheduler.py), because besides the database it updates this process's in-memory view
of who is in the middle of a draft. Several processes running it at once are harmless: each
draft is dropped by one conditional statement, so it is dropped, and its owner told, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram.ext import Application, ContextTypes

EXPIRY_EVERY_S = 60
Expire = Callable[[Application, datetime], Awaitable[object]]  # type: ignore[type-arg]


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
