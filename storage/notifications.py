"""One connection per process for every LISTEN (PostgreSQL).

PostgreSQL wakes every connection that listens in a database on every NOTIFY committed there,
whatever the channels (async.c, SignalBackends): each such server process wakes, reads the
queue and drops what is not for it. A process that listened on each channel over a
connection of its own (the chat queue's announcements, the bans') cost the server one more
wake-up per announcement, two or three announcements an update; with two processes, four
listening connections woke for each. So a process's channels share one connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class Notifications:
    """The process's listening connection, opened by the first ``listening`` block and closed
    when the last one ends."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._raw: Any = None  # the asyncpg connection under it
        self._closed = asyncio.Event()
        self._blocks = 0
        self._opening: asyncio.Lock | None = None

    @asynccontextmanager
    async def listening(
        self, channel: str, callback: Callable[[str], None]
    ) -> AsyncIterator[asyncio.Event]:
        """Call ``callback(payload)`` for each NOTIFY on ``channel`` while the block runs;
        yields an event set when the connection closes (notifications stop then: open the
        block again, which opens a new connection)."""

        def on_notify(_connection: object, _pid: int, _channel: str, payload: str) -> None:
            callback(payload)

        self._blocks += 1
        try:
            raw, closed = await self._open()
            await raw.add_listener(channel, on_notify)
            try:
                yield closed
            finally:
                if not raw.is_closed():
                    with suppress(Exception):  # closing under it: nothing left to undo
                        await raw.remove_listener(channel, on_notify)
        finally:
            self._blocks -= 1
            if self._blocks == 0:
                await self._close()

    async def _open(self) -> tuple[Any, asyncio.Event]:
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:  # blocks entered at once share the one connection
            if self._raw is None or self._raw.is_closed():
                await self._close()
                closed = asyncio.Event()
                connection = await self._engine.connect()
                raw: Any = (await connection.get_raw_connection()).driver_connection
                raw.add_termination_listener(lambda _connection: closed.set())
                self._connection, self._raw, self._closed = connection, raw, closed
            return self._raw, self._closed

    async def _close(self) -> None:
        connection, self._connection, self._raw = self._connection, None, None
        if connection is not None:
            self._closed.set()
            with suppress(Exception):  # already closed by the server or the network
                await connection.close()
