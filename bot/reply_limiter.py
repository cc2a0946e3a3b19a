"""Telegram's limits for direct replies, where a 429 pauses only the chat it was about.

PTB's ``AIORateLimiter`` halts every request after any ``RetryAfter``: one resident flooding
the bot earned a 429 for their own chat, and every other resident's answer waited it out.
``ChatRateLimiter`` keeps the same throttling (an overall rate for calls that name a chat,
20 a minute per group, paid broadcasts apart) and the same retries, but remembers the pause
per chat: only requests to that chat wait. A 429 on a call that names no chat (rare) pauses
everything, since Telegram did not say what it was about.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import constants
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from handlers.replies import retry_after_s

log = logging.getLogger("linli.replies")

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, JSONResult]]
ChatKey = int | str  # an integer chat id, or "@username" for a channel or supergroup
# Telegram's retry_after is in whole seconds and counted from its own clock; PTB's
# AIORateLimiter waits 0.1 s more, and so do we.
PAUSE_MARGIN_S = 0.1
_SWEEP_AT = 512  # forget ended pauses and idle group limiters past this many chats


class ChatRateLimiter(BaseRateLimiter[int]):
    """Throttles like ``AIORateLimiter`` (same arguments); a 429 pauses its chat only.

    ``rate_limit_args`` of a call, when given, is its number of retries after a 429, as with
    ``AIORateLimiter``.
    """

    __slots__ = (
        "_group_limiters",
        "_group_max_rate",
        "_group_time_period",
        "_max_retries",
        "_overall",
        "_paid",
        "_paused_all_until",
        "_paused_until",
    )

    def __init__(
        self,
        overall_max_rate: float = constants.FloodLimit.MESSAGES_PER_SECOND,
        overall_time_period: float = 1,
        group_max_rate: float = constants.FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period: float = 60,
        max_retries: int = 0,
    ) -> None:
        self._overall = (
            AsyncLimiter(overall_max_rate, overall_time_period)
            if overall_max_rate and overall_time_period
            else None
        )
        self._group_max_rate = group_max_rate if group_time_period else 0
        self._group_time_period = group_time_period
        self._group_limiters: dict[ChatKey, AsyncLimiter] = {}
        self._paid = AsyncLimiter(constants.FloodLimit.PAID_MESSAGES_PER_SECOND, 1)
        self._max_retries = max_retries
        self._paused_until: dict[ChatKey, float] = {}
        self._paused_all_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up: the limits live in memory."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Wait out the chat's pause and the limits, call, and retry after a 429."""
        max_retries = rate_limit_args or self._max_retries
        chat = _chat_key(data.get("chat_id"))
        paid = bool(data.get("allow_paid_broadcast", False))
        for attempt in range(max_retries + 1):
            try:
                return await self._throttled(chat, paid, callback, args, kwargs)
            except RetryAfter as exc:
                seconds = retry_after_s(exc) + PAUSE_MARGIN_S
                self.pause(chat, seconds)
                if attempt == max_retries:
                    raise
                # No chat id or content: neither may reach the logs (privacy).
                log.info("Telegram asked to wait %.1f s (%s); retrying", seconds, endpoint)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def pause(self, chat: ChatKey | None, seconds: float) -> None:
        """Nothing is sent to ``chat`` (everything, for None) for ``seconds`` from now."""
        until = time.monotonic() + seconds
        if chat is None:
            self._paused_all_until = max(self._paused_all_until, until)
            return
        if len(self._paused_until) >= _SWEEP_AT:
            self._forget_ended_pauses()
        self._paused_until[chat] = max(self._paused_until.get(chat, 0.0), until)

    def paused_for(self, chat: ChatKey | None) -> float:
        """Seconds until a request to ``chat`` may go (0 if now)."""
        until = self._paused_all_until
        if chat is not None:
            until = max(until, self._paused_until.get(chat, 0.0))
        return max(0.0, until - time.monotonic())

    async def _throttled(
        self,
        chat: ChatKey | None,
        paid: bool,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
    ) -> JSONResult:
        # The pause is waited before the limits, so that a paused chat does not take the
        # overall capacity other chats could use meanwhile, and again after them, in case a
        # 429 arrived for this chat while we queued.
        await self._wait_pause(chat)
        async with contextlib.AsyncExitStack() as held:
            for limiter in self._limiters(chat, paid):
                await held.enter_async_context(limiter)
            await self._wait_pause(chat)
            return await callback(*args, **kwargs)

    async def _wait_pause(self, chat: ChatKey | None) -> None:
        # A loop, not an Event: a second 429 during the pause moves its end further.
        while (wait := self.paused_for(chat)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)

    def _limiters(self, chat: ChatKey | None, paid: bool) -> list[AsyncLimiter]:
        """The group's limiter first, then the overall one, as AIORateLimiter nests them."""
        if paid:
            return [self._paid]
        limiters = []
        group = self._group_limiter(chat)
        if group is not None:
            limiters.append(group)
        if chat is not None and self._overall is not None:
            limiters.append(self._overall)
        return limiters

    def _group_limiter(self, chat: ChatKey | None) -> AsyncLimiter | None:
        # Negative ids are groups and channels; a "@username" can only be one of those.
        is_group = isinstance(chat, str) or (isinstance(chat, int) and chat < 0)
        if chat is None or not is_group or not self._group_max_rate:
            return None
        if len(self._group_limiters) > _SWEEP_AT:
            for key, idle in list(self._group_limiters.items()):
                if key != chat and idle.has_capacity(idle.max_rate):
                    del self._group_limiters[key]
        if chat not in self._group_limiters:
            self._group_limiters[chat] = AsyncLimiter(self._group_max_rate, self._group_time_period)
        return self._group_limiters[chat]

    def _forget_ended_pauses(self) -> None:
        now = time.monotonic()
        for key in [key for key, until in self._paused_until.items() if until <= now]:
            del self._paused_until[key]


def _chat_key(chat_id: object) -> ChatKey | None:
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)  # type: ignore[call-overload, no-any-return]
    return str(chat_id)
