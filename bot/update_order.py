"""Process updates concurrently, but one chat's updates one at a time and in order."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

from bot.logs import logged_update
from handlers.replies import Settling, settling_after_reply
from services.chat_order import ChatTurns
from services.residents.awaiting import owed_on_arrival


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Many residents are served at once; each resident's own messages are answered in order.

    PTB's built-in concurrency gives no ordering, and sequential processing makes one slow
    database write hold everybody up. The chat's turn (``services.chat_order``: a FIFO lock
    per chat in memory on SQLite, the per-chat queue in the database on PostgreSQL, so that
    the order holds across processes) gives both.

    Fairness: the chat's turn is taken *before* one of the ``max_concurrent_updates`` slots,
    so one chat's backlog waits for its turn without holding a slot, and holds at most one;
    PTB's own ``process_update`` takes the slot first, which let one resident sending 200
    messages at once fill every slot while the other residents waited.
    """

    __slots__ = ("_observe", "_settle_gap_s", "_settlements", "_turns")

    def __init__(
        self,
        max_concurrent_updates: int,
        turns: ChatTurns,
        observe: Callable[[object, float], None] | None = None,
        settle_gap_s: float = 0.0,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._turns = turns
        # Told each update and the seconds from its arrival here to the end of its handling,
        # its wait for the chat's turn included (metrics).
        self._observe = observe
        # A pressed message is settled (its choice shown, buttons gone) this long after the
        # update's reply: Telegram allows about one message a second in a private chat.
        self._settle_gap_s = settle_gap_s
        self._settlements: set[asyncio.Task[None]] = set()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """The chat's turn first, then a processing slot (PTB marks this final; see above)."""
        started = time.perf_counter()  # the reply latency counts the wait for the chat's turn
        key = _chat_key(update)
        # Every log line of the update names it; one line closes it with its duration.
        logged = logged_update(update, coroutine)
        if key is None:
            if isinstance(update, Update):  # no chat to keep in order, but its id counts
                await self._turns.record_unordered(update.update_id)
            async with self._semaphore:
                await self._observed(update, logged, started)
            return
        assert isinstance(update, Update)
        async with self._turns.turn(key, update.update_id) as begun:
            if not begun.mine:  # a repeated delivery that another process is handling
                for pending in (logged, coroutine):
                    if inspect.iscoroutine(pending):
                        pending.close()
                return
            with contextlib.ExitStack() as known:
                person = _private_sender(update)
                if begun.owed.read and person == key:  # routed with no read of its own
                    known.enter_context(owed_on_arrival(person, begun.owed.row))
                async with self._semaphore:
                    await self._observed(update, logged, started)

    async def _observed(self, update: object, coroutine: Awaitable[Any], started: float) -> None:
        with settling_after_reply() as settling:
            try:
                await coroutine
            finally:
                if self._observe is not None:
                    self._observe(update, time.perf_counter() - started)
                if settling.edits:  # a failed update's presses are settled too
                    self._settle_later(settling)

    def _settle_later(self, settling: Settling) -> None:
        """Settle the pressed messages in the background: the edits wait for the chat's
        limit, and neither the chat's turn nor a processing slot waits with them."""
        task = asyncio.create_task(settling.run(self._settle_gap_s))
        self._settlements.add(task)
        task.add_done_callback(self._settlements.discard)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Unused: ``process_update`` above does the work."""
        await coroutine

    async def initialize(self) -> None:
        """Start the chat order's heartbeat (PostgreSQL)."""
        await self._turns.start()

    async def settled(self) -> None:
        """Wait for the pressed messages still to be settled: call after the application has
        stopped taking updates and before the bot shuts down (bot/runner.py)."""
        if self._settlements:
            await asyncio.wait(set(self._settlements), timeout=self._settle_gap_s + 2.0)

    async def shutdown(self) -> None:
        """Stop the heartbeat and release this process's queued updates."""
        for task in self._settlements:  # past settled(): the bot can no longer send
            task.cancel()
        await self._turns.stop()


def _private_sender(update: Update) -> int | None:
    """The sender of a private chat's update, whose awaiting row routes it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return None
    return user.id


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
