"""The chat order across processes: two ChatTurns (two processes) on one PostgreSQL database,
receiving one chat's updates out of order."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import text

from services.chat_order import ChatTurns, OrderTimings
from storage import Database
from storage.repositories import chat_queue as repo
from storage.repositories.awaiting import OwedRow
from storage.repositories.chat_queue import OwedAhead

pytestmark = pytest.mark.postgres

# Short enough for tests; the production values are the defaults of OrderTimings.
FAST = OrderTimings(gap_s=1.0, recheck_s=0.1, heartbeat_s=0.1, stale_s=0.6, keep_s=0.2)
CHAT, OTHER_CHAT = 5001, 5002


async def mark_sequence(db: Database, last: int) -> None:
    """As if every update up to ``last`` had been received before (a database in use)."""
    async with db.transaction() as session:
        await session.execute(
            text("INSERT INTO update_watermark (id, update_id) VALUES (1, :last)"), {"last": last}
        )


# For tests where every update arrives: waits as long as production's, so that a loaded
# machine (a heartbeat late by more than FAST's 0.6 s) cannot pass for a lost update or a
# dead process; they cost nothing when nothing is missing.
PATIENT = OrderTimings(gap_s=5.0, recheck_s=0.1, heartbeat_s=0.1, stale_s=5.0, keep_s=0.2)


@pytest.fixture
async def processes(postgres_database: Database) -> AsyncIterator[tuple[ChatTurns, ChatTurns]]:
    """Two processes' turns (FAST timings), each with its own engine, on one database whose
    update sequence has reached update 0."""
    async with two_processes(postgres_database, FAST) as pair:
        yield pair


@pytest.fixture
async def patient_processes(
    postgres_database: Database,
) -> AsyncIterator[tuple[ChatTurns, ChatTurns]]:
    """The same with PATIENT timings."""
    async with two_processes(postgres_database, PATIENT) as pair:
        yield pair


@contextlib.asynccontextmanager
async def two_processes(
    postgres_database: Database, timings: OrderTimings
) -> AsyncIterator[tuple[ChatTurns, ChatTurns]]:
    second = Database(postgres_database.engine.url.render_as_string(hide_password=False))
    await mark_sequence(postgres_database, 0)
    a, b = ChatTurns(postgres_database, timings), ChatTurns(second, timings)
    await a.start()
    await b.start()
    for turns in (a, b):  # connect now, not inside the timed part
        await turns.record_unordered(-1 - turns.owner % 1000)
    try:
        yield a, b
    finally:
        await a.stop()
        await b.stop()
        await second.dispose()


class Journal:
    """What the handlers did: start marks per update, and the most at once per chat."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.started_at: dict[int, float] = {}  # perf_counter when each update began
        self.by_chat: dict[int, list[int]] = {}
        self.running: dict[int, int] = {}
        self.most_at_once = 0

    async def handle(
        self, turns: ChatTurns, chat: int, update: int, hold: float = 0.01, delay: float = 0
    ) -> bool:
        await asyncio.sleep(delay)
        async with turns.turn(chat, update) as begun:
            if not begun.mine:
                return False
            self.started.append(update)
            self.started_at[update] = time.perf_counter()
            self.by_chat.setdefault(chat, []).append(update)
            self.running[chat] = self.running.get(chat, 0) + 1
            self.most_at_once = max(self.most_at_once, self.running[chat])
            await asyncio.sleep(hold)
            self.running[chat] -= 1
        return True


async def open_rows(db: Database) -> list[tuple[int, int]]:
    """The (chat, update) rows still waiting or running."""
    async with db.transaction() as session:
        rows = await session.execute(
            text("SELECT chat_id, update_id FROM chat_queue WHERE handled_at IS NULL")
        )
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
    assert await open_rows(postgres_database) == []


async def test_the_done_update_begins_the_next_one_in_either_process_without_a_second_ask(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    """A resident sends two lines at once: the second waits while the first runs, and the
    first's done call begins it, so each update costs its process two calls (record,
    done), whichever process has the second."""
    a, b = processes
    for turns in processes:  # no asking again in case a notification was lost
        turns.timings = replace(FAST, recheck_s=5.0)
    shared: list[str] = []  # what every process hears
    async with postgres_database.listening(repo.CHANNEL, shared.append):
        for second in (b, a):
            calls_before = a.calls + b.calls
            journal = Journal()
            first_id = 1 if second is b else 3  # the sequence goes on from update 0: no gap
            await asyncio.gather(
                journal.handle(a, CHAT, first_id, hold=0.3),
                journal.handle(second, CHAT, first_id + 1, delay=0.05),
            )
            assert journal.started == [first_id, first_id + 1]
            assert journal.most_at_once == 1
            assert a.calls + b.calls - calls_before == 4
    assert await open_rows(postgres_database) == []
    # The hand-over went to b's own channel (and to a as its call's answer), not to all.
    assert shared == []


async def test_recording_the_missing_update_begins_the_one_that_waited_for_it(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    """Update 2 reaches its process before update 1 (another chat) reaches the other: the
    call that records update 1 begins update 2 too, so neither is asked for again."""
    a, b = processes
    for turns in processes:  # no asking again in case a notification was lost
        turns.timings = replace(FAST, recheck_s=5.0)
    journal = Journal()
    started = time.perf_counter()
    await asyncio.gather(
        journal.handle(b, CHAT, 2, hold=0), journal.handle(a, OTHER_CHAT, 1, delay=0.1, hold=0)
    )
    assert sorted(journal.started) == [1, 2]
    assert time.perf_counter() - started < FAST.gap_s and b.gaps_given_up == 0
    assert a.calls + b.calls == 4  # record and done, each
    assert await open_rows(postgres_database) == []


async def test_an_update_and_the_id_it_misses_recorded_at_the_same_moment_miss_nothing(
    postgres_database: Database,
) -> None:
    """Fifty times, update 2n reaches one process as update 2n - 1 (another chat) reaches
    the other. Recorded updates are not announced to every process (revision 0021), so the
    call recording 2n - 1 and the call finding that 2n waits for it must not miss each
    other: a miss would wait for the next recheck, five seconds here."""
    slow = OrderTimings(gap_s=5.0, recheck_s=5.0, heartbeat_s=0.1, stale_s=5.0, keep_s=0.2)
    async with two_processes(postgres_database, slow) as (a, b):
        journal = Journal()
        async with asyncio.timeout(4):
            for n in range(1, 51):
                await asyncio.gather(
                    journal.handle(b, CHAT, 2 * n, hold=0),
                    journal.handle(a, OTHER_CHAT, 2 * n - 1, hold=0),
                )
        assert sorted(journal.started) == list(range(1, 101))
        assert a.gaps_given_up + b.gaps_given_up == 0


async def test_the_database_locks_a_chat_under_the_key_the_service_uses(
    postgres_database: Database,
) -> None:
    chats = [1, 300_001, 2**31 - 1, 2**31, 2**32 - 1, -1, -1001234567890, 7_000_000_000]
    async with postgres_database.transaction() as session:
        keys = [
            (await session.execute(text("SELECT linli_chat_lock_key(:c)"), {"c": c})).scalar()
            for c in chats
        ]
    assert keys == [repo.chat_lock_key(c) for c in chats]


async def test_a_gap_says_how_many_ids_are_missing(postgres_database: Database) -> None:
    await mark_sequence(postgres_database, 0)
    async with postgres_database.transaction() as session:
        answers = [
            await repo.take_turn(
                session, chat, update, 7, stale_s=60, record=True, give_up_gap=False
            )
            for chat, update in [(CHAT, 4), (OTHER_CHAT, 2), (CHAT, 1)]
        ]
    # Update 4 misses 1, 2 and 3; then 2 comes (missing 1); then 1, which begins.
    assert answers == [
        repo.TurnAnswer(repo.Turn.GAP, 3),
        repo.TurnAnswer(repo.Turn.GAP, 1),
        repo.TurnAnswer(repo.Turn.CLAIMED),
    ]


async def test_recording_again_after_a_lost_reply_asks_instead_of_dropping_the_update(
    postgres_database: Database,
) -> None:
    """The first recording call committed and its reply was lost; the call made again on a
    fresh connection (ChatTurns._call) must not answer 'repeated' to its own process."""
    await mark_sequence(postgres_database, 0)
    async with postgres_database.transaction() as session:

        async def record(owner: int) -> repo.TurnAnswer:
            return await repo.take_turn(
                session, CHAT, 1, owner, stale_s=60, record=True, give_up_gap=False
            )

        assert await record(7) == repo.TurnAnswer(repo.Turn.CLAIMED)
        assert await record(7) == repo.TurnAnswer(repo.Turn.CLAIMED)  # the same process
        assert await record(8) == repo.TurnAnswer(repo.Turn.REPEATED)  # another process


async def test_a_done_mark_the_database_refused_is_made_by_the_next_heartbeat(
    processes: tuple[ChatTurns, ChatTurns],
    postgres_database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An outage as update 1 ends: its row would stay claimed (and seen, the process being
    alive), holding the chat for as long as the process lives."""
    a, b = processes
    real_mark = repo.mark_handled
    failures = [OSError("connection reset")]

    async def flaky_mark(*args: object, **kwargs: float) -> list[repo.Handover | None]:
        if failures:
            raise failures.pop()
        return await real_mark(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repo, "mark_handled", flaky_mark)
    journal = Journal()
    await journal.handle(a, CHAT, 1)
    assert not failures  # the mark failed once
    async with asyncio.timeout(10 * FAST.heartbeat_s):
        await journal.handle(b, CHAT, 2)
    assert journal.started == [1, 2]
    assert await open_rows(postgres_database) == []


async def test_a_lower_update_received_much_later_still_goes_first(
    processes: tuple[ChatTurns, ChatTurns],
) -> None:
    a, b = processes
    journal = Journal()
    # Process b gets update 2 first; update 1 reaches process a 300 ms later (no grace
    # could cover that; the sequence does: b knows update 1 has reached nobody yet).
    await asyncio.gather(journal.handle(b, CHAT, 2), journal.handle(a, CHAT, 1, delay=0.3))
    assert journal.started == [1, 2]


async def test_an_update_waits_for_a_missing_lower_id_of_another_chat_only_until_it_arrives(
    processes: tuple[ChatTurns, ChatTurns],
) -> None:
    a, b = processes
    journal = Journal()
    started = time.perf_counter()
    await asyncio.gather(
        journal.handle(b, CHAT, 2), journal.handle(a, OTHER_CHAT, 1, delay=0.1, hold=0)
    )
    # Update 2 started once update 1 was recorded (0.1 s), not at the gap's timeout (1 s);
    # the two chats' updates then run side by side, in either order.
    assert sorted(journal.started) == [1, 2]
    assert 0.1 <= journal.started_at[2] - started < FAST.gap_s


async def test_an_update_with_no_chat_closes_the_gap_below_the_next_one(
    processes: tuple[ChatTurns, ChatTurns],
) -> None:
    a, b = processes
    journal = Journal()
    started = time.perf_counter()

    async def unordered_later() -> None:
        await asyncio.sleep(0.05)
        await a.record_unordered(1)

    await asyncio.gather(journal.handle(b, CHAT, 2, hold=0), unordered_later())
    assert journal.started == [2]
    assert time.perf_counter() - started < FAST.gap_s


async def test_a_missing_update_is_waited_for_only_for_the_gap_time(
    processes: tuple[ChatTurns, ChatTurns],
) -> None:
    _, b = processes
    journal = Journal()
    started = time.perf_counter()
    await journal.handle(b, CHAT, 3, hold=0)  # updates 1 and 2 never come
    waited = time.perf_counter() - started
    assert journal.started == [3]
    assert FAST.gap_s - 0.05 <= waited < FAST.gap_s + 0.5
    # The sequence has moved past them: the next update does not wait again.
    started = time.perf_counter()
    await journal.handle(b, CHAT, 4, hold=0)
    assert time.perf_counter() - started < FAST.gap_s / 2


async def test_a_gap_given_up_in_one_process_ends_the_same_wait_in_the_other(
    processes: tuple[ChatTurns, ChatTurns],
) -> None:
    a, b = processes
    for turns in processes:  # no rechecks: only the announcement can end the wait early
        turns.timings = replace(FAST, recheck_s=5.0)
    began: dict[int, float] = {}
    started = time.perf_counter()

    async def handle(turns: ChatTurns, chat: int, update: int, delay: float) -> None:
        await asyncio.sleep(delay)
        async with turns.turn(chat, update):
            began[update] = time.perf_counter() - started

    # Updates 1 and 2 never come. Update 3 gives them up after gap_s; update 4, in the
    # other process and later, waits on the same ids, and its own deadline is 0.8 s later.
    await asyncio.gather(handle(b, CHAT, 3, 0), handle(a, OTHER_CHAT, 4, 0.8))
    # Both begin at the give-up (another chat's: either may be first), and update 4 not
    # at its own deadline (1.8 s).
    assert FAST.gap_s - 0.05 <= began[3] < FAST.gap_s + 0.5
    assert FAST.gap_s - 0.05 <= began[4] < FAST.gap_s + 0.5


async def test_an_update_arriving_after_its_gap_was_given_up_still_waits_for_the_running_one(
    processes: tuple[ChatTurns, ChatTurns],
) -> None:
    a, b = processes
    journal = Journal()
    # Update 2 gives up waiting for update 1 and runs for 1.5 s; update 1 arrives while
    # it runs: order is lost for it, but the chat still runs one update at a time.
    await asyncio.gather(
        journal.handle(b, CHAT, 2, hold=1.5), journal.handle(a, CHAT, 1, delay=FAST.gap_s + 0.2)
    )
    assert journal.started == [2, 1]
    assert journal.most_at_once == 1


async def test_many_chats_delivered_to_random_processes_out_of_order_are_each_in_order(
    patient_processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    a, b = patient_processes
    journal = Journal()
    shuffle = random.Random(13)
    chats = [7000 + n for n in range(6)]
    handling = []
    # 60 updates of 6 chats in Telegram's order; each reaches one of the two processes at a
    # random moment within 150 ms, so the arrivals are mixed up within and across chats.
    for update_id in range(1, 61):
        chat = chats[shuffle.randrange(len(chats))]
        process = a if shuffle.random() < 0.5 else b
        hold, delay = shuffle.random() * 0.02, shuffle.random() * 0.15
        handling.append(journal.handle(process, chat, update_id, hold=hold, delay=delay))
    await asyncio.gather(*handling)
    assert sorted(journal.started) == list(range(1, 61))
    for updates in journal.by_chat.values():
        assert updates == sorted(updates)
    assert journal.most_at_once == 1
    assert await open_rows(postgres_database) == []


async def test_other_chats_are_not_held_up(processes: tuple[ChatTurns, ChatTurns]) -> None:
    a, b = processes
    journal = Journal()
    slow = asyncio.create_task(journal.handle(a, CHAT, 1, hold=2.0))
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    await journal.handle(b, OTHER_CHAT, 2)
    assert time.perf_counter() - started < 1.0  # it did not wait for the slow chat
    assert not slow.done()
    await slow


async def test_a_repeated_delivery_is_handled_once(processes: tuple[ChatTurns, ChatTurns]) -> None:
    a, b = processes
    journal = Journal()
    # Delivered to both at about the same time: whichever recorded it first handles it.
    first, again = await asyncio.gather(
        journal.handle(a, CHAT, 1, hold=0.1), journal.handle(b, CHAT, 1, delay=0.01)
    )
    assert sorted([first, again]) == [False, True]
    # Delivered again after it was handled, to either process: still once.
    assert not await journal.handle(b, CHAT, 1)
    assert not await journal.handle(a, CHAT, 1)
    assert journal.started == [1]


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
    written = time.perf_counter()
    async with postgres_database.transaction() as session:
        # A process took update 1's turn and died; it had also recorded update 2.
        taken = await repo.take_turn(
            session, CHAT, 1, dead_owner, stale_s=60, record=True, give_up_gap=False
        )
        assert taken == repo.TurnAnswer(repo.Turn.CLAIMED)
    async with postgres_database.transaction() as session:
        await repo.take_turn(
            session, CHAT, 2, dead_owner, stale_s=60, record=True, give_up_gap=False
        )
    journal = Journal()
    started = time.perf_counter()
    await journal.handle(a, CHAT, 3)
    assert journal.started == [3]
    assert time.perf_counter() - written >= FAST.stale_s  # not before the rows went stale
    assert time.perf_counter() - started < FAST.stale_s + 1.0
    await asyncio.sleep(2 * FAST.heartbeat_s)  # the next heartbeat releases the dead rows
    assert await open_rows(postgres_database) == []


async def test_stop_releases_the_rows_of_the_stopping_process(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    a, b = processes
    journal = Journal()
    waiting = asyncio.create_task(journal.handle(a, CHAT, 1, hold=5.0))
    await asyncio.sleep(0.2)
    assert await open_rows(postgres_database) == [(CHAT, 1)]
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await a.stop()
    assert await open_rows(postgres_database) == []
    started = time.perf_counter()
    await journal.handle(b, CHAT, 2)  # the chat is free at once
    assert journal.started == [1, 2]
    assert time.perf_counter() - started < FAST.gap_s


async def test_stop_releases_a_row_another_process_holds_once_its_call_ends(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    """A rolling restart under load: another process's done call holds one of the stopping
    process's rows (handing it over) and goes on to another. The release leaves the held
    row for a moment instead of waiting for it while holding the other (the two waited for
    each other until PostgreSQL's deadlock check aborted one), and releases it after."""
    a, _ = processes
    await record_two_chats(postgres_database, a.owner)
    row = "chat_id = :chat AND update_id = :update"
    async with postgres_database.engine.connect() as other_process:
        await other_process.execute(
            text(f"SELECT 1 FROM chat_queue WHERE {row} FOR UPDATE"),
            {"chat": OTHER_CHAT, "update": 2},
        )
        stopping = asyncio.create_task(a.stop())
        for _ in range(500):  # the free row is released while the other is still held
            if await open_rows(postgres_database) == [(OTHER_CHAT, 2)]:
                break
            await asyncio.sleep(0.01)
        assert await open_rows(postgres_database) == [(OTHER_CHAT, 2)]
        await other_process.execute(
            text(f"SELECT 1 FROM chat_queue WHERE {row} FOR UPDATE"), {"chat": CHAT, "update": 1}
        )
        await other_process.commit()
        await asyncio.wait_for(stopping, 10)
    assert await open_rows(postgres_database) == []


async def test_handled_rows_go_once_the_watermark_has_passed_them(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    a, b = processes
    journal = Journal()
    # 70 updates: the watermark moves up in steps of 16, and rows below it are pruned
    # once keep_s has passed.
    for update_id in range(1, 71):
        await journal.handle(a if update_id % 2 else b, CHAT, update_id, hold=0)
    await asyncio.sleep(FAST.keep_s + 3 * FAST.heartbeat_s)
    async with postgres_database.transaction() as session:
        mark = (await session.execute(text("SELECT update_id FROM update_watermark"))).scalar()
        lowest = text("SELECT min(update_id) FROM chat_queue WHERE chat_id = :chat")
        left = (await session.execute(lowest, {"chat": CHAT})).scalar()
    assert mark is not None and mark >= 64
    assert left is not None and left > mark


async def record_two_chats(db: Database, owner: int) -> None:
    """Update 1 of CHAT and update 2 of OTHER_CHAT, recorded and begun by ``owner``."""
    for chat, update in ((CHAT, 1), (OTHER_CHAT, 2)):
        async with db.transaction() as session:
            await repo.take_turn(
                session, chat, update, owner, stale_s=60, record=True, give_up_gap=False
            )


@pytest.mark.parametrize("beat", ["touch", "forget stale", "prune"])
async def test_the_heartbeat_never_waits_for_a_row_a_chats_call_holds(
    postgres_database: Database, beat: str
) -> None:
    """A call of OTHER_CHAT's (a done mark, say) holds its row and goes on to CHAT's; the
    heartbeat's statement, which changes both chats' rows at once, must not wait for the
    first while holding the second: the two waited for each other until PostgreSQL's
    deadlock check aborted one a second later (seen in bench_scale). It leaves the held row
    to the next beat and does the rest at once."""
    await mark_sequence(postgres_database, 0)
    owner = 77
    await record_two_chats(postgres_database, owner)
    async with postgres_database.transaction() as session:  # last seen long ago
        await session.execute(text("UPDATE chat_queue SET seen_at = '2000-01-01'"))
    if beat == "prune":  # rows handled and passed by the watermark
        async with postgres_database.transaction() as session:
            await session.execute(text("UPDATE chat_queue SET handled_at = now() - interval '1h'"))
            await session.execute(text("UPDATE update_watermark SET update_id = 2"))
    statements = {
        "touch": lambda c: repo.touch_owner(c, owner),
        "forget stale": lambda c: repo.forget_stale(c, stale_s=0),
        "prune": lambda c: repo.prune(c, keep_s=0),
    }
    row = "chat_id = :chat AND update_id = :update"
    async with (
        postgres_database.engine.connect() as call,
        postgres_database.engine.connect() as beating,
    ):
        await call.execute(
            text(f"SELECT 1 FROM chat_queue WHERE {row} FOR UPDATE"),
            {"chat": OTHER_CHAT, "update": 2},
        )
        changed = await asyncio.wait_for(statements[beat](beating), 10)  # blocked: a failure
        await beating.commit()
        # The call goes on to the other chat's row, which the heartbeat no longer holds.
        await call.execute(
            text(f"SELECT 1 FROM chat_queue WHERE {row} FOR UPDATE"), {"chat": CHAT, "update": 1}
        )
        await call.commit()
    assert changed == 1  # CHAT's row (forget stale: one chat released); OTHER_CHAT's next beat
    async with postgres_database.transaction() as session:
        rows = await session.execute(
            text("SELECT chat_id, handled_at IS NULL, seen_at > '2001-01-01' FROM chat_queue")
        )
        state = {r[0]: (r[1], r[2]) for r in rows}
    if beat == "touch":
        assert state == {CHAT: (True, True), OTHER_CHAT: (True, False)}
    elif beat == "forget stale":
        assert state == {CHAT: (False, False), OTHER_CHAT: (True, False)}
    else:
        assert set(state) == {OTHER_CHAT}


async def owe(db: Database, person: int, kind: str, reference: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO awaiting (telegram_id, kind, reference, updated_at)"
                " VALUES (:person, :kind, :reference, now())"
            ),
            {"person": person, "kind": kind, "reference": reference},
        )


async def test_the_turn_reads_what_the_sender_owes_as_committed_when_the_turn_began(
    postgres_database: Database,
) -> None:
    """The chat's previous update holds the chat's lock while the turn call starts, and
    what it made the sender owe commits while the call waits: the row the call returns must
    include it (a read with the call's own snapshot, taken before the wait, would not)."""
    await mark_sequence(postgres_database, 0)
    engine = postgres_database.engine
    namespace, key = repo.CHAT_LOCK_NAMESPACE, repo.chat_lock_key(CHAT)
    async with engine.connect() as previous, engine.connect() as asking:
        await previous.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": namespace, "key": key}
        )
        turn = asyncio.create_task(
            repo.take_turn(
                asking, CHAT, 1, 7, stale_s=60, record=True, give_up_gap=False, read_owed=True
            )
        )
        await until_a_call_waits_for_a_lock(postgres_database)
        await owe(postgres_database, CHAT, "filing", "")
        await previous.commit()
        answer = await turn
        await asking.commit()
    assert answer == repo.TurnAnswer(
        repo.Turn.CLAIMED, owed=repo.OwedAhead(read=True, row=OwedRow("filing", "", None))
    )


async def until_a_call_waits_for_a_lock(db: Database) -> None:
    for _ in range(1000):
        async with db.transaction() as session:
            waiting = await session.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
            if waiting.scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the turn call never waited for the chat's lock")


async def test_what_the_person_owes_comes_with_every_turn_begun_in_a_private_chat(
    processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    """Begun by its own call, handed over by the chat's previous update (in this process or
    announced to the other), or begun by a recording call above a gap: each comes with what
    the person owed then. A group's updates read nothing (a group has no one person)."""
    a, b = processes
    for turns in processes:  # no asking again: each turn is begun for it, or by its own call
        turns.timings = replace(FAST, recheck_s=5.0)
    seen: dict[int, OwedAhead] = {}

    async def handle(turns: ChatTurns, chat: int, update: int, hold: float = 0.0) -> None:
        async with turns.turn(chat, update) as begun:
            seen[update] = begun.owed
            if update == 1:  # what the resident's first message made them owe
                await owe(postgres_database, CHAT, "rating_comment", "2611-0042:y:4 好")
            await asyncio.sleep(hold)

    first = asyncio.create_task(handle(a, CHAT, 1, hold=0.3))
    await asyncio.sleep(0.1)
    # 2 (other process) waits for 1 and is handed over; 3 (here) waits for 2, handed over.
    second = asyncio.create_task(handle(b, CHAT, 2, hold=0.1))
    await asyncio.sleep(0.05)
    await asyncio.gather(first, second, handle(b, CHAT, 3))
    # 5 waits for the missing 4 until a recording call (a group's update) begins it.
    fifth = asyncio.create_task(handle(a, CHAT, 5))
    await asyncio.sleep(0.1)
    await asyncio.gather(fifth, handle(b, -100777, 4))
    owed = OwedAhead(read=True, row=OwedRow("rating_comment", "2611-0042:y:4 好", None))
    assert seen == {1: OwedAhead(read=True), 2: owed, 3: owed, 4: repo.NOT_READ, 5: owed}
    assert await open_rows(postgres_database) == []


async def test_updates_ending_while_a_done_call_is_under_way_are_marked_by_one_call(
    patient_processes: tuple[ChatTurns, ChatTurns], postgres_database: Database
) -> None:
    """Revision 0023: twenty chats' updates end at once in one process, and each chat has a
    next update waiting in the other process; the marks take far fewer calls than twenty,
    and every next update begins (handed over by its chat's mark, not asking again)."""
    a, b = patient_processes
    for turns in patient_processes:
        turns.timings = replace(PATIENT, recheck_s=5.0)
    journal = Journal()
    chats = range(7001, 7021)
    firsts = [
        asyncio.create_task(journal.handle(a, chat, n, hold=0.3))
        for n, chat in enumerate(chats, start=1)
    ]
    await asyncio.sleep(0.1)
    seconds = [
        journal.handle(b, chat, n, hold=0.0) for n, chat in enumerate(chats, start=len(chats) + 1)
    ]
    calls_before = a.calls
    async with asyncio.timeout(4):  # well before the 5 s recheck
        await asyncio.gather(*firsts, *seconds)
    assert a.calls - calls_before < len(chats) // 2  # the marks of a's twenty updates
    assert {chat: journal.by_chat[chat] for chat in chats} == {
        chat: [n, n + len(chats)] for n, chat in enumerate(chats, start=1)
    }
    assert journal.most_at_once == 1
    assert await open_rows(postgres_database) == []


async def test_a_process_of_revision_0021_still_gets_its_hand_over_from_the_single_done_call(
    postgres_database: Database,
) -> None:
    """During a rolling upgrade older processes call linli_chat_done: its answer stays the
    update handed over (a number), though 0022's processes mark through done_many."""
    await mark_sequence(postgres_database, 0)
    async with postgres_database.transaction() as session:
        for update in (1, 2):
            await repo.take_turn(
                session, CHAT, update, 7, stale_s=60, record=True, give_up_gap=False
            )
        params = {"ns": repo.CHAT_LOCK_NAMESPACE, "key": repo.chat_lock_key(CHAT), "chat": CHAT}
        handed = await session.execute(
            text("SELECT linli_chat_done(:chat, 1, 7, :ns, :key, 60)"), params
        )
        assert handed.scalar_one() == 2
