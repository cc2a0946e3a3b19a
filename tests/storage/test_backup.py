"""``linli db backup`` / ``restore``: a round trip keeps every row, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.cli.main import main
from services import open_services
from services.access import Actor
from services.knowledge.live import LiveKnowledge
from services.notices.disclosure_bulletin import ensure_default_disclosure
from services.tickets import Complaint
from storage import Database
from storage.backup import BackupError, backup, libpq_url, restore, table_rows
from storage.migrate import upgrade
from tests.conftest import _fresh_postgres
from tests.services.conftest import RESIDENT, T0, add_people

KEPT = ("tickets", "ticket_events", "outbox", "bulletins", "residents")


async def fill(db: Database, knowledge: LiveKnowledge) -> None:
    """Tickets with their events and staff-card outbox rows, and a scheduled bulletin."""
    await add_people(db)
    services = await open_services(
        db.engine.url.render_as_string(hide_password=False),
        None,
        "zh-Hans",
        clock=lambda: T0,
        knowledge=knowledge,
        staff_chat_id=-1001234567890,
    )
    try:
        for where in ("北门", "3号楼"):
            complaint = Complaint("noise", "楼上装修电钻声太吵了，晚上十点还不停", where)
            await services.tickets.filing.file_complaint(Actor.in_private(RESIDENT), complaint)
        await ensure_default_disclosure(services.bulletins, services.db)
    finally:
        await services.close()


async def contents(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""

    def read(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
        quote = connection.dialect.identifier_preparer.quote
        return {
            name: [
                tuple(row)
                for row in connection.execute(text(f"SELECT * FROM {quote(name)} ORDER BY 1"))
            ]
            for name in sorted(inspect(connection).get_table_names())
        }

    async with db.engine.connect() as connection:
        return await connection.run_sync(read)


@asynccontextmanager
async def another_empty(database: Database, tmp_path: Path) -> AsyncIterator[Database]:
    """A second, empty database of the same kind (a scratch database on PostgreSQL)."""
    if database.is_sqlite:
        target = Database(f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'linli.sqlite3'}")
        try:
            yield target
        finally:
            await target.dispose()
        return
    async for target in _fresh_postgres():
        yield target


async def test_a_round_trip_keeps_every_row(
    database: Database, live_knowledge: LiveKnowledge, tmp_path: Path
) -> None:
    await fill(database, live_knowledge)
    before = await contents(database)
    assert all(before[name] for name in KEPT), {name: len(before[name]) for name in KEPT}
    file = tmp_path / "linli.backup"
    await backup(database, file)
    async with another_empty(database, tmp_path) as target:
        await restore(target, file)
        assert await contents(target) == before
        # The restored copy is a working linli database: new tickets get the next number.
        await fill_more(target, live_knowledge)
        # Now it holds rows: another restore is refused unless forced, and then replaces them.
        with pytest.raises(BackupError, match=r"is not empty \(.*\).*add --force"):
            await restore(target, file)
        await restore(target, file, force=True)
        assert await contents(target) == before


async def fill_more(db: Database, knowledge: LiveKnowledge) -> None:
    services = await open_services(
        db.engine.url.render_as_string(hide_password=False),
        None,
        "zh-Hans",
        clock=lambda: T0,
        knowledge=knowledge,
    )
    try:
        complaint = Complaint("noise", "小区门口的狗每天早上叫个不停", "北门")
        ticket = await services.tickets.filing.file_complaint(Actor.in_private(RESIDENT), complaint)
        assert ticket.number.endswith("0003")
    finally:
        await services.close()


async def test_a_migrated_but_empty_target_is_restored_without_force(
    database: Database, tmp_path: Path
) -> None:
    async with database.transaction() as session:
        await session.execute(
            text("INSERT INTO ticket_sequences (period, last_value) VALUES ('2611', 41)")
        )
    file = tmp_path / "linli.backup"
    await backup(database, file)
    async with another_empty(database, tmp_path) as target:
        await upgrade(target)
        assert not any((await table_rows(target, seeded=False)).values())  # sample rows only
        await restore(target, file)
        assert (await table_rows(target))["ticket_sequences"] == 1


async def test_a_backup_of_the_other_kind_is_refused(database: Database, tmp_path: Path) -> None:
    file = tmp_path / "not-a-backup"
    file.write_bytes(b"hello")
    with pytest.raises(BackupError, match=r"is not a (SQLite|pg_dump) backup"):
        await restore(database, file)
    with pytest.raises(BackupError, match="Cannot read"):
        await restore(database, tmp_path / "missing")


def test_libpq_url_keeps_the_password_off_the_command_line() -> None:
    url, env = libpq_url("postgresql+asyncpg://linli:s3cret@db:5433/linli?ssl=require")
    assert url == "postgresql://linli@db:5433/linli?sslmode=require"
    assert env == {"PGPASSWORD": "s3cret"}
    assert libpq_url("postgresql://postgres@127.0.0.1/test") == (
        "postgresql://postgres@127.0.0.1/test",
        {},
    )


async def test_the_commands_back_up_sqlite_while_a_writer_holds_its_lock(
    sqlite_database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "linli.db"  # the sqlite_database fixture's file
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite+aiosqlite:///{source}")
    await sqlite_database.dispose()
    committed = sqlite3.connect(source, isolation_level=None)
    committed.execute("INSERT INTO ticket_sequences (period, last_value) VALUES ('2611', 7)")
    # Another process is in the middle of a write: the online backup does not wait for it
    # and copies what was committed.
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO ticket_sequences (period, last_value) VALUES ('2612', 1)")
    file = tmp_path / "copy.sqlite3"
    try:
        assert await asyncio.to_thread(main, ["db", "backup", str(file)]) == 0
    finally:
        writer.execute("COMMIT")
        writer.close()
        committed.close()
    assert f"to {file}." in capsys.readouterr().out
    with sqlite3.connect(file) as copy:
        assert copy.execute("SELECT period FROM ticket_sequences").fetchall() == [("2611",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    # Restoring over the source, which now holds rows, needs --force.
    assert await asyncio.to_thread(main, ["db", "restore", str(file)]) == 2
    assert "is not empty (ticket_sequences 2 rows)" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["db", "restore", str(file), "--force"]) == 0
    assert "Restored" in capsys.readouterr().out
    with sqlite3.connect(source) as restored:
        assert restored.execute("SELECT period FROM ticket_sequences").fetchall() == [("2611",)]


async def test_the_commands_round_trip_on_both_databases(
    database: Database,
    live_knowledge: LiveKnowledge,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await fill(database, live_knowledge)
    before = await contents(database)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(
        "LINLI_DATABASE_URL", database.engine.url.render_as_string(hide_password=False)
    )
    file = tmp_path / "nightly.backup"
    assert await asyncio.to_thread(main, ["db", "backup", str(file)]) == 0
    assert file.exists() and not file.with_name("nightly.backup.partial").exists()
    assert await asyncio.to_thread(main, ["db", "restore", str(file)]) == 2
    assert "add --force to replace them" in capsys.readouterr().err
    async with database.transaction() as session:
        await session.execute(text("DELETE FROM ticket_followers"))
        await session.execute(text("UPDATE tickets SET description = 'changed after the backup'"))
    assert await asyncio.to_thread(main, ["db", "restore", str(file), "--force"]) == 0
    assert "Run `linli db upgrade` if this linli is newer" in capsys.readouterr().out
    assert await contents(database) == before
