"""The Database handle: transactions, SQLite set-up and concurrent writers."""

from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from storage import Database
from storage.db import normalise_url
from storage.migrate import upgrade
from storage.models import Resident
from storage.repositories.residents import get_resident, upsert_resident
from tests.conftest import POSTGRES_URL_ENV

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


async def _count(database: Database) -> int:
    async with database.transaction() as session:
        return (await session.scalar(select(func.count()).select_from(Resident))) or 0


async def test_transaction_commits_on_success(database: Database) -> None:
    async with database.transaction() as session:
        await upsert_resident(session, telegram_id=1, chat_id=1, display_name="a", now=T0)
    assert await _count(database) == 1


async def test_exception_rolls_back_everything_in_the_transaction(database: Database) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with database.transaction() as session:
            await upsert_resident(session, telegram_id=1, chat_id=1, display_name="a", now=T0)
            await upsert_resident(session, telegram_id=2, chat_id=2, display_name="b", now=T0)
            raise Boom
    assert await _count(database) == 0


async def _marks(database: Database) -> list[int]:
    async with database.transaction() as session:
        return list((await session.scalars(text("SELECT id FROM update_watermark"))).all())


async def test_one_statement_commits_what_its_statement_wrote(database: Database) -> None:
    async with database.one_statement() as connection:
        await connection.execute(text("INSERT INTO update_watermark VALUES (1, 10), (2, 20)"))
    assert await _marks(database) == [1, 2]


async def test_a_statement_that_fails_in_one_statement_writes_nothing(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.one_statement() as connection:
            await connection.execute(text("INSERT INTO update_watermark VALUES (1, 10), (1, 20)"))
    assert await _marks(database) == []


async def test_one_statement_on_postgresql_sends_no_begin_and_commit(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has no round trips to save")
    # Seen from outside: no transaction wraps the statement (so the block must hold one
    # statement only: here a second one fails and the first stays written).
    with pytest.raises(IntegrityError):
        async with database.one_statement() as connection:
            await connection.execute(text("INSERT INTO update_watermark VALUES (1, 10)"))
            await connection.execute(text("INSERT INTO update_watermark VALUES (1, 20)"))
    assert await _marks(database) == [1]


async def test_nested_transaction_in_one_task_is_refused(database: Database) -> None:
    async with database.transaction():
        with pytest.raises(RuntimeError, match="pass the session"):
            async with database.transaction():
                pass


async def test_twenty_concurrent_writers_all_commit(database: Database) -> None:
    async def register(telegram_id: int) -> None:
        async with database.transaction() as session:
            # Read, yield to the other tasks, then write: the pattern that makes SQLite
            # raise "database is locked" when two transactions interleave.
            await get_resident(session, telegram_id)
            await asyncio.sleep(0)
            await upsert_resident(
                session, telegram_id=telegram_id, chat_id=telegram_id, display_name="", now=T0
            )

    await asyncio.gather(*(register(n) for n in range(1, 21)))
    assert await _count(database) == 20


async def test_sqlite_writers_from_another_process_wait_instead_of_failing(
    tmp_path: Path,
) -> None:
    # Two Database objects on one file behave like two processes: only SQLite's own lock
    # (BEGIN IMMEDIATE + busy_timeout) stands between them.
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    first, second = Database(url), Database(url)
    try:
        await upgrade(first)

        async def register(db: Database, telegram_id: int) -> None:
            async with db.transaction() as session:
                await get_resident(session, telegram_id)
                await asyncio.sleep(0.01)
                await upsert_resident(
                    session, telegram_id=telegram_id, chat_id=1, display_name="", now=T0
                )

        await asyncio.gather(*(register((first, second)[n % 2], n) for n in range(1, 11)))
        assert await _count(second) == 10
    finally:
        await first.dispose()
        await second.dispose()


async def test_sqlite_file_folder_is_created_and_pragmas_are_set(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "linli.db"
    db = Database(f"sqlite:///{path}")
    try:
        assert path.parent.is_dir()
        assert db.is_sqlite
        async with db.transaction() as session:
            journal = await session.scalar(text("PRAGMA journal_mode"))
            foreign_keys = await session.scalar(text("PRAGMA foreign_keys"))
            busy_timeout = await session.scalar(text("PRAGMA busy_timeout"))
        assert (journal, foreign_keys) == ("wal", 1)
        assert busy_timeout is not None and busy_timeout >= 1000
    finally:
        await db.dispose()
    assert path.is_file()


async def test_in_memory_sqlite_works_for_quick_experiments() -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        await upgrade(db)
        async with db.transaction() as session:
            await upsert_resident(session, telegram_id=1, chat_id=1, display_name="", now=T0)
        assert await _count(db) == 1
    finally:
        await db.dispose()


def test_plain_urls_get_async_drivers_and_passwords_stay_hidden() -> None:
    assert normalise_url("sqlite:///var/linli.db").drivername == "sqlite+aiosqlite"
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+asyncpg"
    db = Database("postgresql://linli:s3cret@db.example/linli")
    assert not db.is_sqlite
    assert "s3cret" not in db.url and "s3cret" not in repr(db)
    assert db.url.startswith("postgresql+asyncpg://linli:***@db.example")


async def test_a_nul_character_typed_in_text_is_dropped_not_refused(database: Database) -> None:
    # PostgreSQL refuses NUL in text; a question or complaint carrying one must still be kept.
    now = datetime(2026, 11, 2, tzinfo=UTC)
    async with database.transaction() as session:
        await upsert_resident(
            session, telegram_id=42, chat_id=42, display_name="王\x00阿姨", now=now
        )
    async with database.transaction() as session:
        person = await get_resident(session, 42)
    assert person is not None and person.display_name.replace("\x00", "") == "王阿姨"


async def test_a_read_does_not_wait_behind_a_writer(sqlite_database: Database) -> None:
    # SQLite's writers queue in the process; a read-only look-up must not join the queue.
    async with sqlite_database.transaction() as session:
        await upsert_resident(session, telegram_id=7, chat_id=7, display_name="a", now=T0)
    release = asyncio.Event()

    async def long_writer() -> None:
        async with sqlite_database.transaction() as session:
            await upsert_resident(session, telegram_id=8, chat_id=8, display_name="b", now=T0)
            await release.wait()

    writer = asyncio.create_task(long_writer())
    await asyncio.sleep(0.05)  # the writer holds the queue now

    async def read() -> str | None:
        async with sqlite_database.reading() as session:
            person = await get_resident(session, 7)
            return None if person is None else person.display_name

    assert await asyncio.wait_for(read(), timeout=2) == "a"
    release.set()
    await writer


async def _terminate_pooled_connections(database: Database) -> int:
    """Close, from the server's side, every other connection to this test's own database."""
    other = database.companion()
    try:
        async with other.transaction() as session:
            return int(
                await session.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                or 0
            )
    finally:
        await other.dispose()


@pytest.mark.postgres
async def test_connections_the_server_closed_are_replaced_before_use(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("PostgreSQL server connections only")
    async with database.transaction() as session:
        await upsert_resident(session, telegram_id=1, chat_id=1, display_name="a", now=T0)
    assert await database.point_read(
        "SELECT chat_id FROM residents WHERE telegram_id = :t", {"t": 1}
    ) == (1,)
    assert await _terminate_pooled_connections(database) >= 1
    await asyncio.sleep(0.3)  # the event loop reads the server's goodbye on the idle sockets
    # No pre-ping asks the server first: the closed connections are known and replaced.
    assert await _count(database) == 1
    assert await database.point_read(
        "SELECT chat_id FROM residents WHERE telegram_id = :t", {"t": 1}
    ) == (1,)
    assert (
        await database.point_read("SELECT chat_id FROM residents WHERE telegram_id = :t", {"t": 2})
        is None
    )


@pytest.mark.postgres
async def test_a_process_serving_sixteen_updates_at_once_keeps_its_connections(
    database: Database,
) -> None:
    """Sixteen transactions at once (bot/app.py serves 16 updates at a time), twice: the
    second round finds the first round's connections open. With SQLAlchemy's default pool
    of five, ten were closed after each round and opened again (a PostgreSQL backend each)."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL server connections only")

    async def backend() -> int:
        async with database.transaction() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
            await asyncio.sleep(0.05)  # all sixteen are open together
            return int(pid)

    first = set(await asyncio.gather(*(backend() for _ in range(16))))
    second = set(await asyncio.gather(*(backend() for _ in range(16))))
    assert len(first) == 16 and second <= first


@pytest.mark.postgres
@pytest.mark.parametrize("autocommit", [False, True], ids=["use cases", "chat order"])
async def test_the_connection_returned_last_serves_next(
    postgres_database: Database, autocommit: bool
) -> None:
    """One update at a time after a burst of eight: every statement goes to the server
    process used last, not to each of the burst's eight in turn (which woke them all)."""
    db = postgres_database.companion(autocommit=True) if autocommit else postgres_database

    async def backend(hold_s: float) -> int:
        async with db.engine.connect() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            await asyncio.sleep(hold_s)
            return int(pid)

    try:
        burst = set(await asyncio.gather(*(backend(0.05) for _ in range(8))))
        assert len(burst) == 8
        one_at_a_time = {await backend(0) for _ in range(8)}
        assert len(one_at_a_time) == 1 and one_at_a_time <= burst
    finally:
        if autocommit:
            await db.dispose()


SOCKET_DIR = Path("/var/run/postgresql")  # Debian's, where its server listens by default


@pytest.mark.postgres
async def test_a_url_naming_the_unix_socket_reaches_the_same_database(
    postgres_database: Database,
) -> None:
    """On one machine linli reaches PostgreSQL over its Unix socket (README, "Running on
    Telegram": no TCP on loopback, a fifth less of the server's CPU per update in
    bench_scale.py), with the socket's folder in the URL's query."""
    if not (SOCKET_DIR / ".s.PGSQL.5432").exists():
        pytest.skip(f"no PostgreSQL socket in {SOCKET_DIR}")
    async with postgres_database.transaction() as session:
        name = await session.scalar(text("SELECT current_database()"))
        await session.execute(text("CREATE TABLE socket_probe (n int)"))
        await session.execute(text("INSERT INTO socket_probe VALUES (7)"))
    user = normalise_url(os.environ[POSTGRES_URL_ENV]).username or "postgres"
    over_socket = Database(f"postgresql+asyncpg://{user}@/{name}?host={SOCKET_DIR}")
    try:
        async with over_socket.transaction() as session:
            assert await session.scalar(text("SELECT n FROM socket_probe")) == 7
            # No client address: the connection came over the socket, not TCP.
            assert await session.scalar(text("SELECT inet_client_addr()")) is None
    finally:
        await over_socket.dispose()


@pytest.mark.postgres
async def test_a_companion_not_durable_does_not_wait_for_the_disk_and_the_use_cases_do(
    postgres_database: Database,
) -> None:
    """The chat order's queue (services/chat_order.py) commits without waiting for the WAL
    to reach the disk; everything else keeps PostgreSQL's durable commits."""
    queue = postgres_database.companion(autocommit=True, durable=False)
    try:
        async with queue.engine.connect() as connection:
            assert await connection.scalar(text("SHOW synchronous_commit")) == "off"
    finally:
        await queue.dispose()
    async with postgres_database.transaction() as session:
        assert await session.scalar(text("SHOW synchronous_commit")) == "on"


WATERMARK = "INSERT INTO update_watermark VALUES (:id, :mark) RETURNING id"


async def test_write_now_commits_its_statements_and_gives_their_rows_back(
    database: Database,
) -> None:
    returned = await database.write_now(
        [(text(WATERMARK), {"id": 1, "mark": 10}), (text(WATERMARK), [{"id": 2, "mark": 20}])]
    )
    assert [[tuple(row) for row in rows] for rows in returned] == [[(1,)], [(2,)]]
    assert await _marks(database) == [1, 2]


async def test_write_now_writes_all_of_its_statements_or_none(database: Database) -> None:
    with pytest.raises(IntegrityError):
        await database.write_now(
            [(text(WATERMARK), {"id": 1, "mark": 10}), (text(WATERMARK), {"id": 1, "mark": 20})]
        )
    assert await _marks(database) == []


async def test_write_now_on_an_sqlite_file_skips_the_async_driver(
    sqlite_database: Database,
) -> None:
    # Its point: no hop to aiosqlite's thread (see Database.write_now).
    seen: list[str] = []
    engine = sqlite_database.engine.sync_engine
    record = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        await sqlite_database.write_now([(text(WATERMARK), {"id": 1, "mark": 10})])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen == []
    assert await _marks(sqlite_database) == [1]


async def test_write_now_waits_for_another_process_without_holding_up_the_event_loop(
    sqlite_database: Database,
) -> None:
    path = normalise_url(sqlite_database.url).database
    assert path is not None
    other_process = sqlite3.connect(path, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # holds the write lock
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    # A full collection of the test process's heap (every earlier test's objects) can stop
    # the loop for a few hundred milliseconds by itself (one CI run counted 1 tick): not
    # what this test is about, so none runs while it counts.
    gc.collect()
    gc.disable()
    try:
        ticker = asyncio.create_task(tick())
        write = asyncio.create_task(
            sqlite_database.write_now([(text(WATERMARK), {"id": 1, "mark": 10})])
        )
        await asyncio.sleep(0.3)
    finally:
        gc.enable()
    assert not write.done()  # waiting for the lock, as any writer of this process would
    assert ticks >= 10  # and the event loop served others meanwhile
    other_process.execute("COMMIT")
    other_process.close()
    await asyncio.wait_for(write, timeout=5)
    ticker.cancel()
    assert await _marks(sqlite_database) == [1]
