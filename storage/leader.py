"""Scheduler leadership: at most one process at a time runs linli's scheduled jobs.

On PostgreSQL the leader holds a session-level advisory lock (``pg_try_advisory_lock``) on
a connection of its own, opened in autocommit mode (an open transaction held for hours would
block VACUUM and could be killed by ``idle_in_transaction_session_timeout``) and kept for the
life of the process. The server releases the lock when that connection ends, so a leader
that crashes hands over without any clean-up: another process takes the lock at its next
try. On SQLite one process is the whole deployment, so it is always the leader.

Leadership saves work and keeps the order of things simple; it is not what prevents
duplicates. Every scheduled use case writes its messages with idempotency keys, so even two
leaders for a moment (a lost connection noticed only at the next refresh) send nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import Database

log = logging.getLogger(__name__)

SCHEDULER_LOCK_KEY = int.from_bytes(b"linli:sc", "big")
"""The advisory lock id of the scheduler leader ("linli:sc" as a signed 64-bit integer)."""


class LeaderLock:
    """Whether this process is the scheduler leader; ``refresh()`` keeps or seeks the lock."""

    def __init__(self, db: Database, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._db = db
        self.key = key
        self._held = False
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        # Two jobs refreshing at once must not race: the loser's failed try on a second
        # connection would clear ``held`` while the winner holds the lock.
        self._refreshing = asyncio.Lock()

    @property
    def held(self) -> bool:
        """True while this process leads, as of the last ``refresh()``."""
        return self._held

    async def refresh(self) -> bool:
        """Keep leadership (checking the lock's connection is alive) or try to take it.

        Returns whether this process leads now. Never raises for an unreachable server: it
        answers False and the caller tries again later.
        """
        if self._db.is_sqlite:
            self._held = True
            return True
        async with self._refreshing:
            return await self._refresh()

    async def _refresh(self) -> bool:
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except (SQLAlchemyError, OSError) as exc:
                log.warning("scheduler lock connection lost (%r); leadership dropped", exc)
                await self._drop()
        self._held = await self._try_take()
        return self._held

    async def release(self) -> None:
        """Give up leadership (at shutdown) so another process can take over at once."""
        if self._connection is not None:
            try:
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                )
            except (SQLAlchemyError, OSError) as exc:
                log.warning("could not unlock the scheduler lock cleanly: %r", exc)
        await self._drop()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def _try_take(self) -> bool:
        if self._engine is None:
            # A pool of its own: the lock's connection must never go back to the shared pool,
            # where another use case would inherit the lock with it.
            self._engine = create_async_engine(
                self._db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
            )
        try:
            connection = await self._engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("cannot reach the database for the scheduler lock: %r", exc)
            return False
        try:
            result = await connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
            taken = bool(result.scalar_one())
        except (SQLAlchemyError, OSError) as exc:
            log.warning("cannot take the scheduler lock: %r", exc)
            taken = False
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        log.info("this process is the scheduler leader")
        return True

    async def _drop(self) -> None:
        self._held = False
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.close()
        except (SQLAlchemyError, OSError):
            # A dead connection cannot be closed politely; the server already let go of it.
            with contextlib.suppress(SQLAlchemyError, OSError):
                await connection.invalidate()
