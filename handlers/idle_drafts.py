"""Keeping each process's view of who is in the middle of a draft (filing, broadcast):
loaded at start, idle drafts expired every minute, and on PostgreSQL the drafts begun in
other processes picked up every two seconds (JobQueue jobs).

The jobs run in every process that consumes updates, not only in the scheduler leader
(bot/scheduler.py), because they keep this process's in-memory view. Several processes
expiring at once are harmless: each draft is dropped by one conditional statement, so it is
dropped, and its owner told, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telegram.ext import Application

from handlers.context import Context, LinliApp

EXPIRY_EVERY_S = 60
FOLLOW_EVERY_S = 2
Expire = Callable[[Application, datetime], Awaitable[object]]  # type: ignore[type-arg]
Load = Callable[[Application], Awaitable[object]]  # type: ignore[type-arg]


def keep_drafts_in_step(
    application: LinliApp,
    kind: str,
    load: Load,
    expire: Expire,
) -> None:
    """Keep this process's view of who is in the middle of a ``kind`` draft: ``load`` the
    owners from the database before polling starts (and, on PostgreSQL, every
    FOLLOW_EVERY_S seconds), and ``expire`` idle drafts every EXPIRY_EVERY_S seconds.

    ``load`` only adds owners: one whose draft ended elsewhere is harmless (the handler finds
    no draft and lets the message through). Behind a webhook several processes share the
    database, so a draft started in one must reach the others; SQLite has one process.
    """
    previous = application.post_init

    async def start(app: LinliApp) -> None:
        if previous is not None:
            await previous(app)
        await load(app)

    application.post_init = start
    queue = application.job_queue
    if queue is None:
        return

    async def expire_idle(context: Context) -> None:
        await expire(context.application, datetime.now(UTC))

    queue.run_repeating(
        expire_idle, interval=EXPIRY_EVERY_S, first=EXPIRY_EVERY_S, name=f"{kind}.expire"
    )
    services: Any = application.bot_data._services
    if services is None or services.db.is_sqlite:
        return

    async def follow(context: Context) -> None:
        await load(context.application)

    queue.run_repeating(
        follow, interval=FOLLOW_EVERY_S, first=FOLLOW_EVERY_S, name=f"{kind}.follow"
    )
