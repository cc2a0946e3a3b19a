"""One chat's updates one at a time and in update_id order, across every process.

Telegram numbers a bot's updates one after another (update_id), and behind a webhook
several linli processes may each receive some of one chat's updates, in any order. A
process holding update k of chat C cannot know whether a lower update it has not seen is
C's; but it can know whether every lower update_id has reached *some* process. So on
PostgreSQL:

- **Record.** Each process records every update in ``chat_queue`` as it arrives, with its
  chat (an update without a chat too).
- **Turn.** Update k of chat C begins when every update_id below k has been recorded,
  none of C's lower updates is still waiting and none of C's updates is running: one
  database call (``linli_chat_turn``) under the chat's transaction lock, which is also the
  recording call when the update has just arrived. Different chats never wait for one
  another.
- **Gap.** An update_id that reaches no process (``allowed_updates`` filtered it, or a
  process died between answering Telegram and recording it) is waited for ``gap_s``
  (1.5 s) from the arrival of the update behind it, then given up (the watermark moves
  past it, and the updates waiting on it are told). So order is certain as long as each
  update is recorded within ``gap_s`` of the next one's; one that comes later still is
  handled in turn with its chat's others, only not before them.
- **Hand-over.** Marking an update done is one call (``linli_chat_done``) that also begins
  the chat's next waiting update if it may begin, for whichever process holds it; that
  process is told (or, when it is this one, knows from the answer) and starts without
  asking again. Half the updates of a resident who sends two lines at once wait so. In the
  same way, recording an update begins the updates of other chats above it that waited only
  for it (``linli_chat_begin_above``, revision 0021): recorded updates are not announced,
  and the recording calls take a lock in turn so that none misses an update that has just
  decided to wait for it.
- **What is owed.** Whichever call begins a private chat's update (its own, a done
  update's hand-over, a recording call) also reads what the chat's person owes, which
  routes the message (revision 0022, ``Begun.owed``): no round trip of its own for it.
- **Waiting.** A waiting update asks again when the database tells its process to (its
  chat's update done or being recorded while the update could not begin, a gap given up, a
  process taken for dead), and every ``recheck_s`` in case a notification was lost; in a
  process only the chat's lowest waiting update asks.
- **Dead processes.** Each process marks its open rows seen every ``heartbeat_s`` (5 s);
  a row not seen for ``stale_s`` (20 s) belongs to a process that died (or froze) and no
  longer holds its chat. A slow update in a live process keeps its turn however long it
  takes. Handled rows stay until the watermark has passed them and ``keep_s`` (60 s) has
  gone by, to recognise a repeated delivery.

On SQLite one process is the whole deployment: a per-chat FIFO lock in memory keeps the
order (arrival order, which polling gives in update_id order) with no database work.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.group_commit import GroupCommit
from storage import Database
from storage.repositories import chat_queue as repo
from storage.repositories.chat_queue import Handover, OwedAhead, Turn

log = logging.getLogger(__name__)

_TAKEN = (Turn.CLAIMED, Turn.CLAIMED_PAST_GAP, Turn.REPEATED)

T = TypeVar("T")

RELEASE_TRIES, RELEASE_RETRY_S = 20, 0.05


@dataclass(frozen=True, slots=True)
class OrderTimings:
    """The waits of the shared order (see the module's docstring for why these values)."""

    gap_s: float = 1.5
    recheck_s: float = 0.5
    heartbeat_s: float = 5.0
    stale_s: float = 20.0
    keep_s: float = 60.0


@dataclass(slots=True)
class _Waiter:
    """One update of this process waiting for its turn (PostgreSQL)."""

    update_id: int
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    gap: bool = False  # waiting for a lower update_id to be recorded somewhere
    asking: bool = False  # its call to the database is under way
    given_up_meanwhile: bool = False  # a gap was given up during that call
    handed: bool = False  # begun in the database for it (a hand-over, a recording)
    owed: OwedAhead = repo.NOT_READ  # what its person owed, read by the call that began it


@dataclass(frozen=True, slots=True)
class Begun:
    """What ``ChatTurns.turn`` gives its block."""

    mine: bool
    """False for an update another process already has (a repeated delivery): skip it."""
    owed: OwedAhead = repo.NOT_READ
    """What a private chat's person owed as the turn began (PostgreSQL, revision 0022), read
    by the call that began it, after the chat's previous update was done."""


@dataclass(slots=True)
class _Chat:
    """This process's updates of one chat that are waiting or running (PostgreSQL)."""

    ids: list[int] = field(default_factory=list)  # a heap: the lowest first
    waiters: dict[int, _Waiter] = field(default_factory=dict)


@dataclass(slots=True)
class _LocalChat:
    """The in-memory FIFO of one chat (SQLite)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class ChatTurns:
    """Gives each update its chat's turn: ``async with turns.turn(chat, update) as begun``.

    ``begun.mine`` is False for an update another process already has (a repeated
    delivery): skip it. An update with no chat is passed to ``record_unordered``. Call
    ``start()`` before the first turn and ``stop()`` at shutdown.
    """

    def __init__(self, db: Database, timings: OrderTimings | None = None) -> None:
        # Connections of its own on PostgreSQL, each statement its own transaction: under
        # load the use cases hold every pooled connection, and an update recorded late
        # holds up the updates behind it. Not durable: the queue is about updates in
        # flight, whose processes lose their connections too if the server crashes, and two
        # commits per update waiting for the disk cost every chat's next update that wait.
        self._db = db if db.is_sqlite else db.companion(autocommit=True, durable=False)
        self.timings = timings or OrderTimings()
        self.owner = secrets.randbits(63)
        """This process's token in the queue (random, so restarts never reuse one)."""
        self._chats: dict[int, _Chat] = {}
        self._local: dict[int, _LocalChat] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.handled = 0
        """Turns given in this process (tests and figures)."""
        self.calls = 0
        """Database calls made to begin and to end turns in this process (tests and figures;
        not the heartbeat's)."""
        self._unmarked: set[tuple[int, int]] = set()
        """(chat, update) done here whose mark the database did not take (an outage, a
        dropped connection): the heartbeat marks them, or the chat would wait for good."""
        self.gaps_given_up = 0
        """Turns begun after giving up a missing update_id (see ``OrderTimings.gap_s``)."""
        self._marks = GroupCommit(self._mark_ended)
        """Done marks: the updates that end while one call is under way are marked by the
        next, together (revision 0023): a call, and a server process woken, less each."""

    @property
    def shared(self) -> bool:
        """True when the order is kept in the database (PostgreSQL), for every process."""
        return not self._db.is_sqlite

    async def start(self) -> None:
        """Listen for the queue's announcements and mark this process's updates alive."""
        if self.shared and not self._tasks:
            listening = asyncio.Event()
            self._tasks = [
                asyncio.create_task(self._listen(listening), name="linli:chat-order-listen"),
                asyncio.create_task(self._beat(), name="linli:chat-order"),
            ]
            # Updates may wait for announcements only once they can be heard.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(listening.wait(), 10)

    async def stop(self) -> None:
        """Stop listening and beating, and release this process's open rows, so no chat
        waits for them."""
        tasks, self._tasks = self._tasks, []
        if not tasks:
            return
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await self._release()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("could not release this process's chat queue rows: %r", exc)
        await self._db.dispose()

    async def _release(self) -> None:
        """Release this process's open rows; a row another process's call holds (handing it
        over) is released once that call ends, tried again for up to a second (after that
        it goes stale like a dead process's)."""
        for _ in range(RELEASE_TRIES):
            left = await self._call(lambda c: repo.release_owner(c, self.owner))
            if not left:
                return
            await asyncio.sleep(RELEASE_RETRY_S)
        log.warning("%d chat queue rows still held at stop: released when they go stale", left)

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int, update_id: int) -> AsyncIterator[Begun]:
        """Wait for the update's turn in its chat; the chat's next update waits until the
        block ends. In a private chat the call that begins the turn also reads what its
        person owes (``Begun.owed``): one round trip less per private message, which is
        routed by it (handlers/awaiting.py)."""
        if not self.shared:
            async with self._local_turn(chat_id):
                yield Begun(mine=True)
            return
        async with self._shared_turn(chat_id, update_id) as begun:
            yield begun

    async def record_unordered(self, update_id: int) -> None:
        """An update with no chat: recorded (PostgreSQL) so no update behind it waits for
        its id."""
        if self.shared:
            await self._call(
                lambda connection: repo.record_handled(
                    connection, update_id, self.owner, stale_s=self.timings.stale_s
                )
            )

    @contextlib.asynccontextmanager
    async def _local_turn(self, chat_id: int) -> AsyncIterator[None]:
        chat = self._local.setdefault(chat_id, _LocalChat())
        chat.waiting += 1
        try:
            async with chat.lock:
                self.handled += 1
                yield
        finally:
            chat.waiting -= 1
            if chat.waiting == 0:  # forget idle chats so the dict does not grow forever
                del self._local[chat_id]

    @contextlib.asynccontextmanager
    async def _shared_turn(self, chat_id: int, update_id: int) -> AsyncIterator[Begun]:
        chat = self._chats.setdefault(chat_id, _Chat())
        if update_id in chat.waiters or update_id in chat.ids:  # delivered here twice
            yield Begun(mine=False)
            return
        waiter = _Waiter(update_id)
        chat.waiters[update_id] = waiter
        heapq.heappush(chat.ids, update_id)
        deadline = asyncio.get_running_loop().time() + self.timings.gap_s
        found: Turn | None = None
        try:
            found = await self._take(chat_id, waiter, record=True, give_up=False)
            while found not in _TAKEN:
                if not waiter.handed:
                    await self._wait(chat, waiter, deadline)
                if waiter.handed:  # begun in the database by the chat's previous update
                    found = Turn.CLAIMED
                    break
                give_up = waiter.gap and asyncio.get_running_loop().time() >= deadline
                found = await self._take(chat_id, waiter, record=False, give_up=give_up)
            if found is Turn.CLAIMED_PAST_GAP:
                self.gaps_given_up += 1
                log.warning(
                    "update %d began after waiting %.1f s for a lower update_id that reached "
                    "no process",
                    update_id,
                    self.timings.gap_s,
                )
            del chat.waiters[update_id]
            if found is Turn.REPEATED:
                yield Begun(mine=False)
                return
            self.handled += 1
            yield Begun(mine=True, owed=waiter.owed)
        finally:
            chat.waiters.pop(update_id, None)
            chat.ids.remove(update_id)
            heapq.heapify(chat.ids)
            if not chat.ids:
                del self._chats[chat_id]
            # Handled, or given up (cancelled, failed): the chat's next update, here or in
            # another process, begins by the same call. A repeated delivery holds nothing.
            holds = found is not Turn.REPEATED
            if not (holds and await self._handled(chat_id, update_id)):
                self._wake_lowest(chat_id)

    async def _wait(self, chat: _Chat, waiter: _Waiter, deadline: float) -> None:
        """Until something this update waits for is announced, or it is time to ask again
        (or to give up a gap); only the chat's lowest update here asks the database."""
        loop = asyncio.get_running_loop()
        while True:
            timeout = self.timings.recheck_s
            if waiter.gap and chat.ids[0] == waiter.update_id:  # only the lowest may give up
                timeout = min(timeout, max(0.0, deadline - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wake.wait(), timeout)
            if waiter.handed or chat.ids[0] == waiter.update_id:
                return
            waiter.wake.clear()

    async def _take(self, chat_id: int, waiter: _Waiter, *, record: bool, give_up: bool) -> Turn:
        """Ask the database for the update's turn (recording the update first if ``record``)."""
        waiter.wake.clear()  # before asking: what is announced meanwhile counts
        waiter.asking, waiter.given_up_meanwhile = True, False
        self.calls += 1
        try:
            answer = await self._call(
                lambda connection: repo.take_turn(
                    connection,
                    chat_id,
                    waiter.update_id,
                    self.owner,
                    stale_s=self.timings.stale_s,
                    record=record,
                    give_up_gap=give_up,
                    read_owed=chat_id > 0,  # a private chat: its id is its person's
                )
            )
        finally:
            waiter.asking = False
        waiter.owed = answer.owed
        found = answer.turn
        waiter.gap = found is Turn.GAP
        if waiter.gap and waiter.given_up_meanwhile:  # the answer may predate the give-up
            waiter.wake.set()
        return found

    async def _handled(self, chat_id: int, update_id: int) -> bool:
        """Mark the update done; True when the database answered (the chat's next update
        has begun, or was told to ask, or nothing waits)."""
        # Shielded: a cancelled update must still free its chat (else it waits for stale_s).
        try:
            handed = await asyncio.shield(self._marks.submit((chat_id, update_id)))
        except (SQLAlchemyError, OSError) as exc:
            self._unmarked.add((chat_id, update_id))
            log.warning("could not mark update %d done, trying again shortly: %r", update_id, exc)
            return False
        if handed is not None:  # here (else announced to the process that has it)
            self._hand_over(chat_id, handed)
        return True

    async def _mark_ended(self, done: list[tuple[int, int]]) -> list[Handover | None]:
        """The marks of updates as they end (counted in ``calls``; the heartbeat's are not)."""
        self.calls += 1
        return await self._mark(done)

    async def _mark(self, done: list[tuple[int, int]]) -> list[Handover | None]:
        """Mark (chat, update) pairs done in one call; each one's hand-over to this process."""
        stale_s = self.timings.stale_s
        return await self._call(
            lambda connection: repo.mark_handled(connection, done, self.owner, stale_s=stale_s)
        )

    def _hand_over(self, chat_id: int, handed: Handover) -> None:
        chat = self._chats.get(chat_id)
        waiter = chat.waiters.get(handed.update_id) if chat is not None else None
        if waiter is not None:
            waiter.handed, waiter.owed = True, handed.owed
            waiter.wake.set()

    def _wake_lowest(self, chat_id: int) -> None:
        """Let this process's lowest waiting update of the chat ask for its turn."""
        chat = self._chats.get(chat_id)
        if chat is not None and chat.ids and chat.ids[0] in chat.waiters:
            chat.waiters[chat.ids[0]].wake.set()

    async def _call(self, step: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """One statement on the autocommit pool; once more on a fresh connection if the
        pooled one had been dropped (the pool does not ping it first)."""
        # A connection, not an ORM session: on an autocommit pool a session's bookkeeping
        # was a quarter of each call's CPU (0.36 against 0.27 ms), two or three per update.
        try:
            async with self._db.engine.connect() as connection:
                return await step(connection)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        async with self._db.engine.connect() as connection:
            return await step(connection)

    def _announced(self, payload: str) -> None:
        kind, _, rest = payload.partition(" ")
        try:
            if kind == "c":  # begun for it (a hand-over, a recording): 'c <chat> <update> …'
                chat, _, handed = rest.partition(" ")
                handover = repo.handover(handed)
                if handover is not None:
                    self._hand_over(int(chat), handover)
            elif kind == "d":  # the chat's waiting updates ask: its lowest here
                self._wake_lowest(int(rest))
            elif kind == "w":  # ids up to it given up: gaps above may close
                self._gap_given_up(int(rest))
        except ValueError:  # not an announcement of this linli's: nothing to do
            log.warning("unknown chat queue announcement of kind %r", kind[:8])

    def _gap_given_up(self, mark: int) -> None:
        """Every update_id up to ``mark`` counts as received now (an update waited for a
        missing one long enough): the updates waiting on a gap above it ask again."""
        for chat in self._chats.values():
            for waiter in chat.waiters.values():
                if waiter.update_id <= mark:
                    continue
                if waiter.asking:  # the answer may have come before the mark moved
                    waiter.given_up_meanwhile = True
                elif waiter.gap:
                    waiter.wake.set()

    async def _listen(self, listening: asyncio.Event) -> None:
        while True:
            try:
                async with (
                    self._db.listening(repo.CHANNEL, self._announced) as closed,
                    self._db.listening(repo.owner_channel(self.owner), self._announced),
                ):
                    listening.set()
                    self._wake_everyone()  # what was announced before this is unknown
                    await closed.wait()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("chat queue notifications lost, listening again: %r", exc)
            await asyncio.sleep(1.0)

    async def _mark_unmarked(self) -> None:
        if not self._unmarked:
            return
        unmarked = sorted(self._unmarked)
        for (chat_id, update_id), handed in zip(unmarked, await self._mark(unmarked), strict=True):
            self._unmarked.discard((chat_id, update_id))
            if handed is not None:
                self._hand_over(chat_id, handed)

    def _wake_everyone(self) -> None:
        for chat in self._chats.values():
            for waiter in chat.waiters.values():
                waiter.wake.set()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.timings.heartbeat_s)
            try:
                await self._mark_unmarked()
                await self._call(lambda connection: repo.touch_owner(connection, self.owner))
                forgotten = await self._call(
                    lambda connection: repo.forget_stale(connection, self.timings.stale_s)
                )
                await self._call(lambda connection: repo.prune(connection, self.timings.keep_s))
            except (SQLAlchemyError, OSError) as exc:
                log.warning("chat queue heartbeat failed: %r", exc)
                continue
            if forgotten:
                log.warning("released %d chats held by a process that stopped", forgotten)
