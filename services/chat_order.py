"""One chat's updates one at a time and in update_id order, across every process.

Telegram numbers updates in the order they happened; behind a webhook several linli
processes may each receive some of one chat's updates. On PostgreSQL each process writes an
update to the per-chat queue (``chat_queue``) as it arrives, and the update's turn begins
when it is the lowest waiting update of its chat and none of the chat's updates is being
handled, wherever it was received. Different chats never wait for one another.

How the turn is taken, and the numbers:

- **Grace.** An update waits ``grace_s`` (50 ms) after its arrival before its first claim,
  so a lower update of the same chat delivered to another process at about the same time
  is queued first. A lower update that reaches its process later than that is handled
  after the higher one (order cannot be restored after the fact).
- **Claim.** One UPDATE under a transaction-level advisory lock on the chat
  (``pg_advisory_xact_lock``), so two processes never both find the chat free.
- **Waiting.** In a process only the chat's lowest waiting update asks the database, every
  ``poll_s`` (20 ms); the process's others wait in memory behind it.
- **Dead processes.** Each process marks its rows seen every ``heartbeat_s`` (5 s). A row
  not seen for ``stale_s`` (20 s) belongs to a process that died (or froze): it no longer
  holds its chat (claimed or waiting) and the next heartbeat of any process deletes it. So
  a crash holds a chat for at most about 20 s. A slow update in a live process keeps its
  turn however long it takes.

On SQLite one process is the whole deployment: a per-chat FIFO lock in memory keeps the
order (arrival order, which polling gives in update_id order) with no database work.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from storage import Database
from storage.repositories import chat_queue as repo
from storage.repositories.chat_queue import Claim

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OrderTimings:
    """The waits of the shared order (see the module's docstring for why these values)."""

    grace_s: float = 0.1
    poll_s: float = 0.02
    heartbeat_s: float = 5.0
    stale_s: float = 20.0


@dataclass(slots=True)
class _Chat:
    """This process's updates of one chat that are waiting or running (PostgreSQL)."""

    ids: list[int] = field(default_factory=list)  # a heap: the lowest first
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


@dataclass(slots=True)
class _LocalChat:
    """The in-memory FIFO of one chat (SQLite)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class ChatTurns:
    """Gives each update its chat's turn: ``async with turns.turn(chat, update) as mine``.

    ``mine`` is False for an update another process already has (a repeated delivery):
    skip it. Call ``start()`` before the first turn and ``stop()`` at shutdown.
    """

    def __init__(self, db: Database, timings: OrderTimings | None = None) -> None:
        # A pool of its own on PostgreSQL: under load the use cases hold every pooled
        # connection, and an update's row written late lets a later one overtake it.
        self._db = db if db.is_sqlite else db.companion()
        self.timings = timings or OrderTimings()
        self.owner = secrets.randbits(63)
        """This process's token in the queue (random, so restarts never reuse one)."""
        self._chats: dict[int, _Chat] = {}
        self._local: dict[int, _LocalChat] = {}
        self._heartbeat: asyncio.Task[None] | None = None
        self.handled = 0
        """Turns given in this process (tests and figures)."""

    @property
    def shared(self) -> bool:
        """True when the order is kept in the database (PostgreSQL), for every process."""
        return not self._db.is_sqlite

    async def start(self) -> None:
        """Begin marking this process's queued updates as alive (PostgreSQL)."""
        if self.shared and self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat(), name="linli:chat-order")

    async def stop(self) -> None:
        """Stop the heartbeat and drop this process's rows, so no chat waits for them."""
        task, self._heartbeat = self._heartbeat, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            async with self._db.transaction() as session:
                await repo.delete_owner(session, self.owner)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("could not clear this process's chat queue rows: %r", exc)
        await self._db.dispose()

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int, update_id: int) -> AsyncIterator[bool]:
        """Wait for the update's turn in its chat; the chat's next update waits until the
        block ends."""
        if not self.shared:
            async with self._local_turn(chat_id):
                yield True
            return
        async with self._shared_turn(chat_id, update_id) as mine:
            yield mine

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
    async def _shared_turn(self, chat_id: int, update_id: int) -> AsyncIterator[bool]:
        if not await self._add(chat_id, update_id):
            yield False
            return
        chat = self._chats.setdefault(chat_id, _Chat())
        heapq.heappush(chat.ids, update_id)
        async with chat.changed:
            chat.changed.notify_all()  # a lower update may have to ask first now
        try:
            # Counted from our own row, not our arrival: a busy connection pool delays the
            # other process's insert as much as ours.
            await asyncio.sleep(self.timings.grace_s)
            await self._claim(chat, chat_id, update_id)
            self.handled += 1
            yield True
        finally:
            chat.ids.remove(update_id)
            heapq.heapify(chat.ids)
            if not chat.ids:
                del self._chats[chat_id]
            async with chat.changed:
                chat.changed.notify_all()
            await self._delete(chat_id, update_id)

    async def _claim(self, chat: _Chat, chat_id: int, update_id: int) -> None:
        while True:
            async with chat.changed:
                await chat.changed.wait_for(lambda: chat.ids[0] == update_id)
            async with self._db.transaction() as session:
                claim = await repo.claim_queued_update(
                    session, chat_id, update_id, stale_s=self.timings.stale_s
                )
            if claim is Claim.CLAIMED:
                return
            if claim is Claim.MISSING:  # taken for dead while this process was frozen
                log.warning("update %d was dropped from the chat queue; queued again", update_id)
                await self._add(chat_id, update_id)
                continue
            await asyncio.sleep(self.timings.poll_s)

    async def _add(self, chat_id: int, update_id: int) -> bool:
        async with self._db.transaction() as session:
            return await repo.add_queued_update(session, chat_id, update_id, self.owner)

    async def _delete(self, chat_id: int, update_id: int) -> None:
        # Shielded: a cancelled update must still free its chat (else it waits for stale_s).
        with contextlib.suppress(SQLAlchemyError, OSError):
            await asyncio.shield(self._delete_row(chat_id, update_id))

    async def _delete_row(self, chat_id: int, update_id: int) -> None:
        async with self._db.transaction() as session:
            await repo.delete_queued_update(session, chat_id, update_id)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.timings.heartbeat_s)
            try:
                async with self._db.transaction() as session:
                    await repo.touch_owner(session, self.owner)
                    forgotten = await repo.forget_stale(session, self.timings.stale_s)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("chat queue heartbeat failed: %r", exc)
                continue
            if forgotten:
                log.warning("dropped %d queued updates of a process that stopped", forgotten)
