"""The delivery worker's settings, and Telegram's flood limits kept on the sending side.

Sliding windows like Telegram's own: at most ``count`` sends in any ``per_seconds``, overall
(free sends and paid broadcasts have separate budgets), per private chat and per group.
A ``RetryAfter`` pauses every send. Personal messages go first: a bulk send waits while a
personal one is ready and held back only by the overall budget.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from services.delivery import RetryPolicy

# The server counts a send when the request arrives, we count it when we start it; requests
# started in order can arrive a few milliseconds out of order. This margin absorbs that; at
# 0.05 s it cost 5 % of Telegram's 30/s (benchmarks/bench_broadcast.py reached 0.92 of the
# limit), at 0.02 s the same run reaches 0.98 without flood violations.
DEFAULT_SAFETY_S = 0.02
_SWEEP_EVERY = 1000
# Overall budgets allow bursts of count/20 (15 at 300/s) between even spacing, and at least
# 2, so that a send woken a little late can catch up instead of pushing every later one back.
_BURST_DIVISOR = 20


class Clock(Protocol):
    """Monotonic seconds and a way to wait; tests pass a clock that does not really sleep."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class Rate:
    """At most ``count`` sends in any window of ``per_seconds``."""

    count: int
    per_seconds: float


@dataclass(frozen=True)
class SendLimits:
    overall: Rate = Rate(30, 1.0)
    private_chat: Rate = Rate(1, 1.0)
    group: Rate = Rate(20, 60.0)
    paid_overall: Rate = Rate(1000, 1.0)
    safety_s: float = DEFAULT_SAFETY_S


class SendLimiter:
    """Hands out permission to send, one call at a time, within ``SendLimits``."""

    def __init__(self, limits: SendLimits, clock: Clock | None = None) -> None:
        self.limits = limits
        self.clock: Clock = clock or RealClock()
        self._windows: dict[tuple[str, int], deque[float]] = {}
        self._paused_until = 0.0
        self._personal_ready = 0
        self._recorded = 0
        self._tat: dict[str, float] = {}  # GCRA theoretical arrival time per overall budget

    def pause(self, seconds: float) -> None:
        """Telegram said RetryAfter: nothing is sent for ``seconds``."""
        self._paused_until = max(self._paused_until, self.clock.monotonic() + seconds)

    def chat_wait(self, chat_id: int) -> float:
        """Seconds until ``chat_id`` may receive again (0 if now)."""
        return self._scope_wait(self._chat_scope(chat_id), self.clock.monotonic())

    async def acquire(self, chat_id: int, *, paid: bool = False, personal: bool = True) -> None:
        """Wait until a send to ``chat_id`` fits every limit, then count it."""
        ready = False
        try:
            while True:
                now = self.clock.monotonic()
                chat_wait = self._scope_wait(self._chat_scope(chat_id), now)
                if personal and (chat_wait <= 0) != ready:
                    ready = chat_wait <= 0
                    self._personal_ready += 1 if ready else -1
                wait = max(chat_wait, self._overall_wait(paid, now))
                if wait <= 0 and not personal and self._personal_ready:
                    wait = 0.001  # let the personal send that is ready go first
                if wait <= 0:
                    self._record(chat_id, paid, now)
                    return
                await self.clock.sleep(wait)
        finally:
            if ready:
                self._personal_ready -= 1

    def _overall_wait(self, paid: bool, now: float) -> float:
        scope = ("paid", 0) if paid else ("overall", 0)
        _, tolerance = self._pacing(scope[0])
        paced = self._tat.get(scope[0], 0.0) - tolerance - now
        return max(self._paused_until - now, paced, self._scope_wait(scope, now))

    def _pacing(self, kind: str) -> tuple[float, float]:
        """GCRA spacing for an overall budget: sends spread evenly with small bursts.

        A full window's worth sent at once reaches the server as a queue whose tail arrives
        late, and a late tail can land in the next window: spreading keeps arrivals as
        evenly spaced as the starts.
        """
        rate = self._rate(kind)
        interval = (rate.per_seconds + self.limits.safety_s) / rate.count
        burst = max(2, rate.count // _BURST_DIVISOR)
        return interval, interval * (burst - 1)

    def _chat_scope(self, chat_id: int) -> tuple[str, int]:
        # Positive ids are users (private chats); negative ones are groups and channels.
        return ("private", chat_id) if chat_id > 0 else ("group", chat_id)

    def _rate(self, kind: str) -> Rate:
        return {
            "overall": self.limits.overall,
            "paid": self.limits.paid_overall,
            "private": self.limits.private_chat,
            "group": self.limits.group,
        }[kind]

    def _scope_wait(self, scope: tuple[str, int], now: float) -> float:
        window = self._windows.get(scope)
        if not window:
            return 0.0
        rate = self._rate(scope[0])
        span = rate.per_seconds + self.limits.safety_s
        while window and window[0] <= now - span:
            window.popleft()
        if len(window) < rate.count:
            return 0.0
        return window[0] + span - now

    def _record(self, chat_id: int, paid: bool, now: float) -> None:
        kind = "paid" if paid else "overall"
        interval, _ = self._pacing(kind)
        self._tat[kind] = max(self._tat.get(kind, 0.0), now) + interval
        for scope in (("paid", 0) if paid else ("overall", 0), self._chat_scope(chat_id)):
            self._windows.setdefault(scope, deque()).append(now)
        self._recorded += 1
        if self._recorded % _SWEEP_EVERY == 0:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Forget chats whose windows are over, so a broadcast to 100k chats frees memory."""
        for scope in list(self._windows):
            window = self._windows[scope]
            span = self._rate(scope[0]).per_seconds + self.limits.safety_s
            if not window or window[-1] <= now - span:
                del self._windows[scope]


def _per_second(rate: float) -> Rate:
    return Rate(round(rate), 1.0) if rate >= 1 else Rate(1, 1.0 / rate)


@dataclass(frozen=True)
class DeliveryConfig:
    """The worker's settings (LINLI_SEND_* / LINLI_PAID_BROADCAST*, see from_settings)."""

    send_rate: float = 30.0  # messages per second overall
    private_chat_rate: float = 1.0  # messages per second to one private chat
    group_per_minute: int = 20  # messages per minute to one group
    paid_broadcast: bool = False  # bulk rows use allow_paid_broadcast (Telegram charges Stars)
    paid_broadcast_rate: float = 1000.0
    max_attempts: int = 5
    retry_base_s: float = 2.0
    retry_max_s: float = 3600.0
    personal_deadline_s: float = 24 * 3600.0  # cards and status messages ride out a day
    bulk_deadline_s: float = 6 * 3600.0
    claim_timeout_s: float = 120.0  # a row claimed longer ago belongs to a dead worker
    concurrency: int = 16  # rows in flight per lane; also bounds duplicates after a kill
    poll_interval_s: float = 1.0  # how often to look for due rows without a nudge
    defer_after_s: float = 1.5  # a row whose chat is busy for longer goes back to the queue

    @classmethod
    def from_settings(cls, settings: object) -> DeliveryConfig:
        """Read the fields that ``settings`` has (e.g. ``send_rate`` from LINLI_SEND_RATE)."""
        names = {
            "send_rate": "send_rate",
            "private_chat_rate": "send_private_chat_rate",
            "group_per_minute": "send_group_per_minute",
            "paid_broadcast": "paid_broadcast",
            "paid_broadcast_rate": "paid_broadcast_rate",
            "max_attempts": "send_max_attempts",
            "claim_timeout_s": "send_claim_timeout_s",
            "concurrency": "send_concurrency",
        }
        found = {field: getattr(settings, name, None) for field, name in names.items()}
        return cls(**{k: v for k, v in found.items() if v is not None})

    def limits(self) -> SendLimits:
        return SendLimits(
            overall=_per_second(self.send_rate),
            private_chat=_per_second(self.private_chat_rate),
            group=Rate(self.group_per_minute, 60.0),
            paid_overall=_per_second(self.paid_broadcast_rate),
        )

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            self.max_attempts,
            self.retry_base_s,
            self.retry_max_s,
            personal_deadline_s=self.personal_deadline_s,
            bulk_deadline_s=self.bulk_deadline_s,
        )
