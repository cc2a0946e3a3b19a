"""SQLite statements take one trip to aiosqlite's thread, and behave as the driver's own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, exc, insert, select, text

from storage import Database
from storage.sqlite_driver import OneTripConnection

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", String, nullable=False, unique=True),
)


@pytest.fixture
async def lite(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield db
    await db.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function sent to the SQLite thread, in order."""
    sent: list[str] = []
    original = OneTripConnection._execute

    async def counted(self: OneTripConnection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(OneTripConnection, "_execute", counted)
    return sent


async def test_engine_connections_are_one_trip_connections(lite: Database) -> None:
    async with lite.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, OneTripConnection)


async def test_a_select_is_one_trip_and_returns_every_row(lite: Database, trips: list[str]) -> None:
    async with lite.transaction() as session:
        await session.execute(insert(notes), [{"body": f"note {i}"} for i in range(150)])
        trips.clear()
        bodies = list(await session.scalars(select(notes.c.body).order_by(notes.c.id)))
        assert trips == ["_run"]
    assert bodies == [f"note {i}" for i in range(150)]


async def test_insert_returning_gives_ids_and_update_gives_rowcount(lite: Database) -> None:
    async with lite.transaction() as session:
        first = (await session.execute(insert(notes).returning(notes.c.id), {"body": "a"})).scalar()
        second = (await session.execute(insert(notes), {"body": "b"})).inserted_primary_key
        changed = await session.execute(text("UPDATE notes SET body = body || '!'"))
    assert (first, second[0] if second else None) == (1, 2)
    assert changed.rowcount == 2  # type: ignore[attr-defined]


async def test_streamed_results_come_in_the_asked_sizes(lite: Database) -> None:
    async with lite.transaction() as session:
        await session.execute(insert(notes), [{"body": f"n{i}"} for i in range(10)])
    async with lite.engine.connect() as connection:
        result = await connection.stream(select(notes.c.body).order_by(notes.c.id))
        chunks = [[row.body for row in chunk] async for chunk in result.partitions(4)]
    assert chunks == [["n0", "n1", "n2", "n3"], ["n4", "n5", "n6", "n7"], ["n8", "n9"]]


async def test_a_failed_statement_raises_and_the_connection_stays_usable(
    lite: Database,
) -> None:
    async with lite.transaction() as session:
        await session.execute(insert(notes), {"body": "same"})
    with pytest.raises(exc.IntegrityError):
        async with lite.transaction() as session:
            await session.execute(insert(notes), {"body": "other"})
            await session.execute(insert(notes), {"body": "same"})
    async with lite.transaction() as session:
        bodies = list(await session.scalars(select(notes.c.body)))
    assert bodies == ["same"]  # "other" was rolled back with the failed statement
