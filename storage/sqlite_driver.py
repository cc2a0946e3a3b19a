"""aiosqlite connections whose statements each take one trip to the SQLite thread.

aiosqlite runs SQLite in a thread of its own and every call crosses to it and back:
SQLAlchemy's adapter makes four such trips per statement (open a cursor, execute, fetch,
close). On the single SQLite writer those hand-offs, not SQLite, were most of a ticket
filing's time. Here a cursor runs the statement, reads all its rows and closes itself in
one trip; fetching then reads rows already in hand. Everything else (commit, rollback,
close, the thread itself) is aiosqlite's own. The price: a streamed result
(``stream()``, ``yield_per``) is read whole before its first row is used, which linli,
whose SQLite reads are all small, never does.

``install(engine)`` makes an async SQLite engine open its connections this way.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

_Row = Any
_Description = tuple[tuple[Any, ...], ...] | None
_Outcome = tuple[_Description, int, int | None, list[_Row]]


def _run(connection: aiosqlite.Connection, sql: str, parameters: Any, many: bool) -> _Outcome:
    """In the SQLite thread: execute, read every row, close the cursor."""
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy uses, one thread trip per execute."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._rows: deque[_Row] = deque()
        self.description: _Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> OneTripCursor:
        # aiosqlite's (untyped) way of running a function in the connection's thread.
        in_thread: Callable[..., Awaitable[_Outcome]] = self._connection._execute
        outcome = await in_thread(_run, self._connection, sql, parameters, many)
        self.description, self.rowcount, self.lastrowid, rows = outcome
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        return await self._run(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        return await self._run(sql, parameters, many=True)

    async def fetchone(self) -> _Row | None:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[_Row]:
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    async def fetchall(self) -> list[_Row]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._rows.clear()

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors are OneTripCursors."""

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)


def _connect(database: str, **kwargs: Any) -> OneTripConnection:
    """What aiosqlite.connect does, with our connection class."""
    connection = OneTripConnection(lambda: sqlite3.connect(database, **kwargs), 64)
    # As SQLAlchemy does for aiosqlite: a forgotten connection must not keep Python alive.
    connection._thread.daemon = True
    return connection


def _on_connect(
    dialect: Dialect, _record: ConnectionPoolEntry, cargs: tuple[Any, ...], cparams: dict[str, Any]
) -> Any:
    # The dialect's own connect, with its URL-derived arguments, but our connection class.
    dbapi: Any = dialect.dbapi
    return dbapi.connect(*cargs, async_creator_fn=_connect, **cparams)


def install(engine: AsyncEngine) -> None:
    """Make ``engine`` (sqlite+aiosqlite) open OneTripConnections."""
    event.listen(engine.sync_engine, "do_connect", _on_connect)
