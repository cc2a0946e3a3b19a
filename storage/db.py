"""The database handle: async engine, session factory and the one-transaction-per-use-case rule.

SQLite is the embedded default (one file under ``./var/``); PostgreSQL is for deployments
with several processes. Both are reached through SQLAlchemy's asyncio extension
(aiosqlite / asyncpg).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, Row, create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from storage import sqlite_driver
from storage.notifications import Notifications

# How long a connection waits for another *process* holding the SQLite write lock before
# failing with "database is locked". Writers inside this process never wait on it: they are
# queued on an asyncio lock first (see Database.transaction).
SQLITE_BUSY_TIMEOUT_MS = 10_000

# Operators write URLs the way psql or SQLite docs show them; linli needs the async drivers.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


Statement = tuple[Executable, Mapping[str, Any] | Sequence[Mapping[str, Any]]]
"""A statement and its parameters (a list of them: executed for each), for write_now."""

OUTBOX_WRITTEN = "linli.outbox_written"
AFTER_COMMIT = "linli.after_commit"


def note_outbox_written(session: AsyncSession) -> None:
    """Mark the session's transaction as one that wrote outbox rows (see on_outbox_commit)."""
    session.info[OUTBOX_WRITTEN] = True


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call ``callback`` after the session's transaction commits (never on a rollback)."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL; a bare ``sqlite://`` or ``postgresql://`` gets its async driver."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def sqlite_file(url: URL) -> Path | None:
    """The file behind an SQLite URL, or None for in-memory and ``file:`` URI databases."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


POINT_READ_BUSY_MS = 20  # a point read blocks the event loop at most this long
READ_ONLY = "linli_read_only"
"""Execution option of the engine behind Database.reading()."""


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 driver (its legacy mode skips BEGIN before SELECT and
    # DDL); SQLAlchemy emits our own BEGIN IMMEDIATE in _on_sqlite_begin instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers run while one writer commits; NORMAL sync is crash-safe in WAL
        # mode (only a power cut can lose the last commits) and avoids an fsync per commit.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _on_loop_writer_connect(dbapi_connection: Any, record: Any) -> None:
    """The in-loop writer's connection (Database.write_now): as every other, but it waits
    for another process's write lock only briefly, as it blocks the event loop meanwhile."""
    _on_sqlite_connect(dbapi_connection, record)
    dbapi_connection.execute(f"PRAGMA busy_timeout={POINT_READ_BUSY_MS}")


def _busy(exc: OperationalError) -> bool:
    """SQLite's "database is locked" (another process writes), as opposed to a real error."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _on_sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so a transaction never fails half-way when it
    # upgrades from reading to writing while another process writes (SQLITE_BUSY_SNAPSHOT).
    # A read-only one (Database.reading) never writes and reads one snapshot per statement:
    # no BEGIN at all (each statement is atomic on its own, and no lock waits behind one).
    if not connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# Connections kept open per pool (PostgreSQL). A connection past the pool is closed when
# returned, and opening one costs a PostgreSQL backend process and several round trips:
# with SQLAlchemy's default of 5, a process serving 16 updates at once (bot/app.py) opened
# and closed connections all the time (bench_scale.py, about 8 % of linli's CPU). The use
# cases' pool holds what a process uses at its peak, with an overflow for rare bursts; an
# autocommit pool (one-statement steps: the chat order's) queues instead, its statements
# being short. At most 16 + 8 + 8 per process: README, "Scale", sizes max_connections.
# Both pools hand out the connection returned last (LIFO), not the one idle longest: a
# process serving a few updates at a time keeps talking to two or three warm server
# processes instead of waking all of its pool's in turn. With two processes on two cores
# (bench_scale.py) PostgreSQL spent 5–15 % less CPU per update and N = 2 handled 3–15 %
# more updates a second (README, "Scale", thirteenth session).
PG_POOL_SIZE = 16
PG_POOL_OVERFLOW = 8
PG_AUTOCOMMIT_POOL_SIZE = 8


class Database:
    """An async engine plus session factory; ``transaction()`` is the only way to a session."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        autocommit: bool = False,
        durable: bool = True,
        notifications: Notifications | None = None,
    ) -> None:
        self._url = normalise_url(url)
        self._autocommit = autocommit and self._url.get_backend_name() != "sqlite"
        self._durable = durable
        self.is_sqlite: bool = self._url.get_backend_name() == "sqlite"
        self.url: str = self._url.render_as_string(hide_password=True)
        self.engine: AsyncEngine = self._create_engine(echo)
        self._sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self._sync_reader: sqlite3.Connection | None = None
        self._loop_writer: Engine | None = None
        self._reader = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self._write_lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._tasks_in_transaction: set[asyncio.Task[Any]] = set()
        self._outbox_listeners: list[Callable[[], None]] = []
        # A companion listens on its parent's connection (storage/notifications.py: why).
        self._notifications = notifications or Notifications(self.engine)

    def _create_engine(self, echo: bool) -> AsyncEngine:
        if not self.is_sqlite:
            connect_args = {}
            if not self._durable:
                # A commit returns before its WAL reaches the disk (PostgreSQL's
                # synchronous_commit = off): a server crash may lose the last few hundred
                # milliseconds of commits, and never leaves them half-written.
                connect_args = {"server_settings": {"synchronous_commit": "off"}}
            if self._autocommit:
                # Each statement commits by itself: one round trip, no BEGIN or COMMIT.
                engine = create_async_engine(
                    self._url,
                    echo=echo,
                    isolation_level="AUTOCOMMIT",
                    pool_size=PG_AUTOCOMMIT_POOL_SIZE,
                    max_overflow=0,
                    pool_use_lifo=True,
                    connect_args=connect_args,
                )
            else:
                engine = create_async_engine(
                    self._url,
                    echo=echo,
                    pool_size=PG_POOL_SIZE,
                    max_overflow=PG_POOL_OVERFLOW,
                    pool_use_lifo=True,
                    connect_args=connect_args,
                )
            event.listen(engine.sync_engine, "before_cursor_execute", _no_nul, retval=True)
            event.listen(engine.sync_engine, "checkout", _refuse_closed)
            return engine
        path = sqlite_file(self._url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(self._url, echo=echo)
        sqlite_driver.install(engine)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine

    def __repr__(self) -> str:
        return f"Database({self.url!r})"

    def companion(self, *, autocommit: bool = False, durable: bool = True) -> Database:
        """Another handle on the same database with a connection pool of its own, for work
        that must not queue behind the use cases for a connection (it connects when first
        used; dispose it when done). With ``autocommit`` (PostgreSQL) every statement is its
        own transaction, for work whose every step is one statement. Not ``durable``
        (PostgreSQL): commits do not wait for the disk, for state that is only about the
        moment (a server crash may lose its last commits)."""
        return Database(
            self._url.render_as_string(hide_password=False),
            autocommit=autocommit,
            durable=durable,
            notifications=self._notifications,
        )

    @asynccontextmanager
    async def listening(
        self, channel: str, callback: Callable[[str], None]
    ) -> AsyncIterator[asyncio.Event]:
        """Call ``callback(payload)`` for each NOTIFY on ``channel`` while the block runs
        (PostgreSQL), on the one connection this process listens on; yields an event set
        when that connection closes (notifications stop then: open the block again)."""
        async with self._notifications.listening(channel, callback) as closed:
            yield closed

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Open one transaction for one use case: commit on success, roll back on exception.

        Repositories receive the session and never commit. On SQLite, writers from this
        process queue here in arrival order instead of contending for the file lock.
        A task that opens a second transaction while inside one gets a RuntimeError: pass
        the session down instead (nesting would deadlock on SQLite and split the use case).
        """
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("db.transaction() must run inside an asyncio task")
        if task in self._tasks_in_transaction:
            raise RuntimeError("db.transaction() is already open in this task; pass the session")
        async with self.writer_slot():
            self._tasks_in_transaction.add(task)
            try:
                async with self._sessionmaker() as session, session.begin():
                    yield session
            finally:
                self._tasks_in_transaction.discard(task)
        # Reached only after a successful commit: tell whoever delivers the outbox.
        if session.info.get(OUTBOX_WRITTEN):
            for listener in self._outbox_listeners:
                listener()
        for callback in session.info.get(AFTER_COMMIT, ()):
            callback()

    @asynccontextmanager
    async def one_statement(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a use case that is a single statement (a multi-row INSERT, say):
        what it writes is committed, and a statement that fails writes nothing.

        On PostgreSQL the statement is its own transaction (autocommit): one round trip,
        where BEGIN and COMMIT around it made three. On SQLite a transaction in its turn in
        the writer queue, as ``transaction()``. Run exactly one statement in it: a second
        one would not be atomic with the first on PostgreSQL.
        """
        if self.is_sqlite:
            async with self.writer_slot(), self.engine.begin() as connection:
                yield connection
            return
        async with self.engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only session for a use case that only reads (one primary-key look-up on
        every message, say). On SQLite it takes no place in the writer queue and opens no
        transaction: with WAL each statement reads beside the writer. Nothing may be
        written in it, and a use case reading several rows that must agree uses
        ``transaction()`` instead."""
        async with self._reader() as session, session.begin():
            yield session

    def on_outbox_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every commit that wrote outbox rows (the delivery nudge).

        Lets the delivery worker send a new message at once instead of at its next poll,
        without every service having to remember to wake it.
        """
        self._outbox_listeners.append(listener)

    def writer_slot(self) -> AbstractAsyncContextManager[object]:
        """The in-process writer queue on SQLite (a no-op elsewhere); held by transaction()."""
        if not self.is_sqlite:
            return nullcontext()
        loop = asyncio.get_running_loop()
        # An asyncio.Lock belongs to one event loop; a CLI may run several loops in turn.
        if self._write_lock is None or self._lock_loop is not loop:
            self._write_lock = asyncio.Lock()
            self._lock_loop = loop
        return self._write_lock

    async def write_now(self, statements: Sequence[Statement]) -> list[list[Row[Any]]]:
        """A few small statements (a batch of the query log) in one transaction, committed;
        each one's rows (RETURNING) in order.

        On an SQLite file: in the event loop's thread, in its turn in the writer queue, on a
        connection of its own. Through aiosqlite's thread, BEGIN, each statement, COMMIT
        and the pool's reset each cross to that thread and back: 1.5 ms of CPU for a batch
        of questions that SQLite itself writes in 0.1 ms. Should another process hold the
        write lock (a command-line change) longer than POINT_READ_BUSY_MS, the async way is
        taken. Elsewhere (PostgreSQL, an in-memory SQLite): the async engine, one statement
        without BEGIN and COMMIT on PostgreSQL.
        """
        writer = self._loop_writer_engine()
        if writer is not None:
            async with self.writer_slot():
                try:
                    with writer.begin() as connection:
                        return [
                            list(connection.execute(*statement).all()) for statement in statements
                        ]
                except OperationalError as exc:
                    if not _busy(exc):
                        raise
        if len(statements) == 1:
            async with self.one_statement() as bare:
                return [list((await bare.execute(*statements[0])).all())]
        async with self.writer_slot(), self.engine.begin() as connection:
            return [list((await connection.execute(*each)).all()) for each in statements]

    def _loop_writer_engine(self) -> Engine | None:
        if self._loop_writer is None and self._point_reader() is not None:
            # Made only once the file exists (as the point reader), so after migrations.
            # One connection, never handed back mid-transaction (write_now's block commits
            # or rolls back): the pool's reset, a ROLLBACK per batch, has nothing to do.
            self._loop_writer = create_engine(
                self._url.set(drivername="sqlite+pysqlite"),
                poolclass=StaticPool,
                pool_reset_on_return=None,
            )
            event.listen(self._loop_writer, "connect", _on_loop_writer_connect)
            event.listen(self._loop_writer, "begin", _on_sqlite_begin)
        return self._loop_writer

    async def point_read(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """One row of a primary-key look-up (``sql`` with ``:name`` parameters), as cheaply
        as the database allows.

        On an SQLite file: a connection of its own, asked in the event loop's thread. Such a
        look-up takes microseconds there, while a round trip through the async driver's
        thread took over a millisecond, a third of a question's cost in bench_updates. WAL
        lets it read beside any writer; should SQLite be busy all the same (a checkpoint),
        the async way is taken. On PostgreSQL one statement outside any transaction (one
        round trip); for an in-memory SQLite: the async way.
        Values come back as the driver gives them (SQLite: timestamps as text).
        """
        reader = self._point_reader()
        if reader is not None:
            try:
                row: tuple[Any, ...] | None = reader.execute(sql, params).fetchone()
                return row
            except sqlite3.OperationalError:
                pass
        if not self.is_sqlite:
            # One round trip: no BEGIN and COMMIT around a statement that reads one row.
            async with self.one_statement() as bare:
                row = (await bare.execute(text(sql), params)).first()
                return None if row is None else tuple(row)
        async with self.reading() as session:
            found = (await session.execute(text(sql), params)).first()
            return None if found is None else tuple(found)

    def _point_reader(self) -> sqlite3.Connection | None:
        if not self.is_sqlite:
            return None
        if self._sync_reader is None:
            path = sqlite_file(self._url)
            if path is None or not path.exists():
                return None
            # Autocommit (no implicit BEGIN): each SELECT reads the latest commit.
            self._sync_reader = sqlite3.connect(path, isolation_level=None)
            self._sync_reader.execute(f"PRAGMA busy_timeout={POINT_READ_BUSY_MS}")
        return self._sync_reader

    async def dispose(self) -> None:
        """Close every pooled connection; call once at shutdown."""
        if self._sync_reader is not None:
            self._sync_reader.close()
            self._sync_reader = None
        if self._loop_writer is not None:
            self._loop_writer.dispose()
            self._loop_writer = None
        await self.engine.dispose()


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server has closed (a restart, an administrator) is replaced
    before use. SQLAlchemy's pre-ping would ask the server instead: three round trips
    (BEGIN, a ping, ROLLBACK) before every transaction with asyncpg, as many again as a
    typical use case's own, where asyncpg already knows a closed socket without asking."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _no_nul(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> tuple[str, Any]:
    """PostgreSQL refuses the NUL character in text ("invalid byte sequence"), and anyone can
    type one: it is dropped from every text written, so a question or a complaint with one
    is kept rather than lost to an error."""
    if executemany and isinstance(parameters, list):
        return statement, [_clean(p) for p in parameters]
    return statement, _clean(parameters)


def _clean(parameters: Any) -> Any:
    if isinstance(parameters, dict):
        return {k: _clean_value(v) for k, v in parameters.items()}
    if isinstance(parameters, (list, tuple)):
        return type(parameters)(_clean_value(v) for v in parameters)
    return parameters


def _clean_value(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value
