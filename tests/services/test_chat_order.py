"""The chat order across processes: two ChatTurns (two processes) on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from services.chat_order import ChatTurns, OrderTimings
from storage import Database
from storage.repositories import chat_queue as repo

pytestmark = pytest.mark.postgres

# Short enough for tests; the production values are the defaults of OrderTimings.
FAST = OrderTimings(grace_s=0.05, poll_s=0.01, heartbeat_s=0.1, stale_s=0.6)
CHAT, OTHER_CHAT = 5001, 5002


@pytest.fixture
async def processes(postgres_database: Database) -> AsyncIterator[tuple[ChatTurns, ChatTurns]]:
    """Two processes' turns, each with its own engine, on one database."""
    second = Database(postgres_database.engine.url.render_as_string(hide_password=False))
    a, b = ChatTurns(postgres_database, FAST), ChatTurns(second, FAST)
    for db in (postgres_database, second):  # connect now, not inside the timed part
        async with db.transaction() as session:
            await session.execute(text("SELECT 1"))
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.stop()
        await b.stop()
        await second.dispose()


class Journal:
    """What the handlers did: start and end marks per update, and the most at once per chat."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.running: dict[int, int] = {}
        self.most_at_once = 0

    async def handle(
        self, turns: ChatTurns, chat: int, update: int, hold: float = 0.01, delay: float = 0
    ) -> bool:
        await asyncio.sleep(delay)
        async with turns.turn(chat, update) as mine:
            if not mine:
                return False
            self.started.append(update)
            self.running[chat] = self.running.get(chat, 0) + 1
            self.most_at_once = max(self.most_at_once, self.running[chat])
            await asyncio.sleep(hold)
            self.running[chat] -= 1
        return True


async def queued(db: Database) -> list[tuple[int, int]]:
    async with db.transaction() as session:
        rows = await session.execute(text("SELECT chat_id, update_id FROM chat_queue"))
        return sorted((r[0], r[1]) for r in rows)


async def test_one_chat_alternating_between_processes_runs_one_at_a_time_in_order(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    a, b = processes
    journal = Journal()
    # Updates 1..8 of one chat, received alternately, each a little after the last.
    await asyncio.gather(
        *(journal.handle(a if n % 2 else b, CHAT, n, delay=n * 0.005) for n in range(1, 9))
    )
    assert journal.started == list(range(1, 9))
    assert journal.most_at_once == 1
    assert await queued(postgres_database) == []


async def test_a_lower_update_received_later_within_the_grace_goes_first(
    processes: tuple[ChatTurns, ChatTurns],
) -> None:
    a, b = processes
    journal = Journal()
    # Process b gets update 11 first; update 10 reaches process a 20 ms later.
    await asyncio.gather(journal.handle(b, CHAT, 11), journal.handle(a, CHAT, 10, delay=0.02))
    assert journal.started == [10, 11]


async def test_other_chats_are_not_held_up(processes: tuple[ChatTurns, ChatTurns]) -> None:
    a, b = processes
    journal = Journal()
    slow = asyncio.create_task(journal.handle(a, CHAT, 1, hold=2.0))
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    await journal.handle(b, OTHER_CHAT, 2)
    assert time.perf_counter() - started < 1.5  # it did not wait for the slow chat
    assert not slow.done()
    await slow


async def test_a_repeated_delivery_is_handled_once(processes: tuple[ChatTurns, ChatTurns]) -> None:
    a, b = processes
    journal = Journal()
    first, again = await asyncio.gather(
        journal.handle(a, CHAT, 7, hold=0.1), journal.handle(b, CHAT, 7, delay=0.01)
    )
    assert (first, again) == (True, False)
    assert journal.started == [7]


async def test_a_slow_update_keeps_its_turn_past_the_stale_time(
    processes: tuple[ChatTurns, ChatTurns],
) -> None:
    a, b = processes
    journal = Journal()
    # The first update takes three times stale_s; its process is alive, so it keeps the chat.
    await asyncio.gather(
        journal.handle(a, CHAT, 1, hold=3 * FAST.stale_s), journal.handle(b, CHAT, 2, delay=0.02)
    )
    assert journal.started == [1, 2]
    assert journal.most_at_once == 1


async def test_a_dead_process_holds_the_chat_only_until_its_rows_go_stale(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    a, _ = processes
    dead_owner = 42
    async with postgres_database.transaction() as session:
        # A process claimed update 1 and died; it had also queued update 2, never claimed.
        await repo.add_queued_update(session, CHAT, 1, dead_owner)
        await repo.add_queued_update(session, CHAT, 2, dead_owner)
        assert await repo.claim_queued_update(session, CHAT, 1, stale_s=60) is repo.Claim.CLAIMED
    journal = Journal()
    started = time.perf_counter()
    await journal.handle(a, CHAT, 3)
    waited = time.perf_counter() - started
    assert journal.started == [3]
    assert FAST.stale_s - 0.1 <= waited < FAST.stale_s + 1.0
    await asyncio.sleep(2 * FAST.heartbeat_s)  # the next heartbeat deletes the dead rows
    assert await queued(postgres_database) == []


async def test_stop_releases_the_rows_of_the_stopping_process(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    a, b = processes
    journal = Journal()
    waiting = asyncio.create_task(journal.handle(a, CHAT, 1, hold=5.0))
    await asyncio.sleep(0.2)
    assert await queued(postgres_database) == [(CHAT, 1)]
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await a.stop()
    assert await queued(postgres_database) == []
    await journal.handle(b, CHAT, 2)  # the chat is free at once
    assert journal.started == [1, 2]
