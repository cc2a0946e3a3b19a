"""Process updates concurrently, but one chat's updates strictly in arrival order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.logs import logged_update


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Many residents are served at once; each resident's own messages are answered in order.

    PTB's built-in concurrency gives no ordering, and sequential processing makes one slow
    database write hold everybody up. A FIFO lock per chat gives both.
    """

    __slots__ = ("_locks", "_observe", "_waiting")

    def __init__(
        self,
        max_concurrent_updates: int,
        observe: Callable[[object, float], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        # Told each update and the seconds from its turn to the end of its handling (metrics).
        self._observe = observe

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._observe is None:
            await self._in_order(update, coroutine)
            return
        started = time.perf_counter()
        try:
            await self._in_order(update, coroutine)
        finally:
            self._observe(update, time.perf_counter() - started)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        # Every log line of the update names it; one line closes it with its duration.
        coroutine = logged_update(update, coroutine)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # forget idle chats so the dict does not grow forever
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
