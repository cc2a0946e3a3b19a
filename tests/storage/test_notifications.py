"""A process listens on one connection, whatever its channels and companions (PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import text

from storage import Database

pytestmark = pytest.mark.postgres


class Heard:
    """What the callbacks were told, and an event set once ``expected`` payloads came."""

    def __init__(self, expected: int) -> None:
        self.payloads: list[tuple[str, str]] = []
        self.expected = expected
        self.complete = asyncio.Event()

    def on(self, channel: str) -> Callable[[str], None]:
        def heard(payload: str) -> None:
            self.payloads.append((channel, payload))
            if len(self.payloads) >= self.expected:
                self.complete.set()

        return heard


async def listening_backends(db: Database) -> int:
    """Server processes of this database that have run LISTEN and are still connected."""
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()"
            )
        )
        return int(rows.scalar_one())


async def test_channels_of_a_database_and_its_companion_share_one_connection(
    postgres_database: Database,
) -> None:
    companion = postgres_database.companion(autocommit=True)
    heard = Heard(expected=2)
    try:
        async with (
            postgres_database.listening("one", heard.on("one")),
            companion.listening("two", heard.on("two")),
        ):
            assert await listening_backends(postgres_database) == 1
            async with postgres_database.transaction() as session:
                await session.execute(text("SELECT pg_notify('one', 'a'), pg_notify('two', 'b')"))
            async with asyncio.timeout(5):
                await heard.complete.wait()
            assert heard.payloads == [("one", "a"), ("two", "b")]
        # The last block gave the connection back: nothing listens any more.
        assert await listening_backends(postgres_database) == 0
    finally:
        await companion.dispose()


async def test_a_block_opened_after_the_connection_was_lost_listens_on_a_new_one(
    postgres_database: Database,
) -> None:
    heard = Heard(expected=1)
    async with postgres_database.listening("one", heard.on("one")) as closed:
        async with postgres_database.transaction() as session:
            await session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN %'"
                )
            )
        async with asyncio.timeout(5):
            await closed.wait()
    async with postgres_database.listening("one", heard.on("one")):
        async with postgres_database.transaction() as session:
            await session.execute(text("SELECT pg_notify('one', 'again')"))
        async with asyncio.timeout(5):
            await heard.complete.wait()
    assert heard.payloads == [("one", "again")]
