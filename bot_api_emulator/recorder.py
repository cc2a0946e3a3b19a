"""Recording of every bot call, with awaitable waits and reply-latency figures."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot_api_emulator.world import JSON, World, snapshot

T = TypeVar("T")


@dataclass(frozen=True)
class BotCall:
    """One request the bot made: method, decoded params, result or error, perf_counter time."""

    method: str
    params: JSON
    result: Any
    time: float
    error: JSON | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def chat_id(self) -> int | None:
        try:
            return int(self.params["chat_id"])
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def messages(self) -> list[JSON]:
        """The messages this call put into a chat (none for edits, errors, other methods)."""
        if not self.ok or not self.method.startswith(("send", "copy", "forward")):
            return []
        results = self.result if isinstance(self.result, list) else [self.result]
        return [r for r in results if isinstance(r, dict) and "message_id" in r]


class CallLog:
    """Mixin for the server: needs `self.world`; owns the call history and its waiters."""

    world: World

    def __init__(self) -> None:
        self.call_history: list[BotCall] = []
        self._calls_by_chat: dict[int, list[BotCall]] = {}
        self._calls_by_method: dict[str, list[BotCall]] = {}
        # A hundred simulated residents each re-count their chat's answers on every call to
        # it: by (chat, method), so that a count costs nothing and a list only its own calls.
        self._calls_by_chat_method: dict[tuple[int, str], list[BotCall]] = {}
        self._changed = asyncio.Event()
        self._chat_changed: dict[int, asyncio.Event] = {}
        self._subscribers: list[asyncio.Queue[BotCall]] = []

    def _record(self, call: BotCall) -> None:
        self.call_history.append(call)
        self._calls_by_method.setdefault(call.method, []).append(call)
        if call.chat_id is not None:
            self._calls_by_chat.setdefault(call.chat_id, []).append(call)
            self._calls_by_chat_method.setdefault((call.chat_id, call.method), []).append(call)
            if (chat_changed := self._chat_changed.get(call.chat_id)) is not None:
                chat_changed.set()
        if call.method != "getUpdates":
            for queue in self._subscribers:
                queue.put_nowait(call)
        self._changed.set()

    def calls(self, method: str | None = None, chat_id: int | None = None) -> list[BotCall]:
        """Recorded calls in order, optionally only one method and/or one chat."""
        if chat_id is None:
            found = self.call_history if method is None else self._calls_by_method.get(method, [])
            return list(found)
        if method is not None:
            return list(self._calls_by_chat_method.get((chat_id, method), []))
        return list(self._calls_by_chat.get(chat_id, []))

    def count(self, method: str, chat_id: int) -> int:
        """How many calls of ``method`` to ``chat_id`` are recorded (``len(calls(...))``)."""
        return len(self._calls_by_chat_method.get((chat_id, method), []))

    def sent_to(self, chat_id: int | JSON, since: float = 0.0) -> list[JSON]:
        """What the user sees from the bot in a chat: its messages in order, edits applied,
        deleted ones gone. `since` (perf_counter time) keeps only messages sent after it."""
        chat_key = chat_id["id"] if isinstance(chat_id, dict) else chat_id
        seen = []
        for call in self._calls_by_chat.get(chat_key, []):
            if call.time < since:
                continue
            for message in call.messages:
                current = self.world.messages.get((chat_key, message["message_id"]))
                if current is not None:
                    seen.append(snapshot(current))
        return seen

    def last_message(self, chat_id: int | JSON) -> JSON | None:
        """The newest message the bot has in the chat (as it looks now), or None."""
        sent = self.sent_to(chat_id)
        return sent[-1] if sent else None

    def subscribe(self) -> asyncio.Queue[BotCall]:
        """A queue receiving every later call except getUpdates (the console prints these)."""
        queue: asyncio.Queue[BotCall] = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[BotCall]) -> None:
        self._subscribers.remove(queue)

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109 - a test-facing deadline, not a cancel scope
        *,
        chat_id: int | None = None,
    ) -> T:
        """Wait until predicate() is truthy (re-checked after each bot call); return its value.

        With ``chat_id`` (a predicate that reads only that chat's calls) only that chat's
        calls re-check it: a hundred simulated residents each waiting for their answer would
        otherwise all wake on every call, and the emulator would spend the machine's time
        that the bot under test should have."""
        changed = (
            self._changed
            if chat_id is None
            else self._chat_changed.setdefault(chat_id, asyncio.Event())
        )
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [(c.method, c.params.get("chat_id")) for c in self.call_history[-5:]]
                raise TimeoutError(f"condition not met within {timeout}s; last calls: {recent}")
            changed.clear()
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                continue
        return value

    async def wait_for_message(
        self,
        chat_id: int | JSON,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test-facing deadline, not a cancel scope
        since: float | None = None,
    ) -> list[JSON]:
        """Wait for `count` bot messages in the chat sent after `since` (default: the arrival of
        the latest update injected in that chat); return those messages."""
        chat_key = chat_id["id"] if isinstance(chat_id, dict) else chat_id
        if since is None:
            since = self._last_arrival(chat_key)

        def enough() -> list[JSON]:
            sent = self.sent_to(chat_key, since)
            return sent if len(sent) >= count else []

        return await self.wait_for(enough, timeout)

    async def wait_for_call(
        self,
        method: str,
        chat_id: int | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[BotCall]:
        """Wait until at least `count` calls of `method` (to `chat_id`) are recorded."""

        def enough() -> list[BotCall]:
            found = self.calls(method, chat_id)
            return found if len(found) >= count else []

        return await self.wait_for(enough, timeout)

    def _last_arrival(self, chat_id: int) -> float:
        return self.world.last_arrival.get(chat_id, 0.0)

    def reply_latency(
        self, update: int | JSON, methods: tuple[str, ...] = ("sendMessage",)
    ) -> float | None:
        """Seconds from an injected update's arrival to the first successful send of `methods`
        to its chat after it, or None when the bot has not answered (yet). `update` is an
        update_id or what send_text / press_button / send_photo… returned."""
        update_id = update if isinstance(update, int) else self.world.update_id_of(update)
        arrived = self.world.update_arrivals.get(update_id)
        if arrived is None:
            return None
        chat_calls = self._calls_by_chat.get(self.world.update_chats[update_id], [])
        # Calls are recorded in time order, so the first candidate is found by bisection.
        start = bisect.bisect_left(chat_calls, arrived, key=lambda c: c.time)
        for call in chat_calls[start:]:
            if call.ok and call.method in methods:
                return call.time - arrived
        return None

    def reply_latencies(self, methods: tuple[str, ...] = ("sendMessage",)) -> dict[int, float]:
        """reply_latency for every injected update that has been answered."""
        found = {u: self.reply_latency(u, methods) for u in self.world.update_arrivals}
        return {u: latency for u, latency in found.items() if latency is not None}
