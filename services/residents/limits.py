"""How much one resident may ask of linli in a while, so that one cannot starve the others.

A sliding window per person and kind, kept in this process's memory: limits exist to stop a
flood (a stuck client, a script, a prank), and a flood reaches one process at a time; with
N webhook processes a person gets at most N times the limit, which still stops a flood.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.errors import ServiceError


class TooManyRequests(ServiceError):
    """The person asked more often than the limit allows; ``wait`` until the next one."""

    def __init__(self, what: str, wait: timedelta) -> None:
        super().__init__(f"too many {what}: wait {wait.total_seconds():.0f} s")
        self.what = what
        self.wait = wait


class Banned(TooManyRequests):
    """Staff banned the person from asking and filing (services.residents.bans).

    A TooManyRequests, so that every place that refuses an over-limit resident refuses a
    banned one too. ``tell``: whether to say so now; a banned person is told at most once
    in ``wait`` (an hour), and otherwise gets no answer, so that writing on does not make
    linli argue with them.
    """

    def __init__(self, wait: timedelta, *, tell: bool) -> None:
        super().__init__("requests: banned", wait)
        self.tell = tell


@dataclass(frozen=True, slots=True)
class ResidentLimits:
    """Settings: LINLI_QUESTIONS_PER_MINUTE, LINLI_FILINGS_PER_HOUR (0 lifts a limit)."""

    questions_per_minute: int = 20
    filings_per_hour: int = 5


class Throttle:
    """At most ``count`` actions per person within ``per``."""

    _FORGET_AFTER = 10_000  # people remembered before the idle ones are dropped

    def __init__(
        self, what: str, count: int, per: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self._what = what
        self._count = count
        self._per = per
        self._clock = clock
        self._recent: dict[int, deque[datetime]] = {}

    def check(self, telegram_id: int) -> None:
        """Count one action of ``telegram_id`` now; TooManyRequests past the limit (the
        refused action is not counted, so waiting is enough)."""
        if self._count <= 0:
            return
        now = self._clock()
        recent = self._recent.setdefault(telegram_id, deque())
        while recent and recent[0] <= now - self._per:
            recent.popleft()
        if len(recent) >= self._count:
            raise TooManyRequests(self._what, recent[0] + self._per - now)
        recent.append(now)
        if len(self._recent) > self._FORGET_AFTER:
            self._forget_idle(now)

    def _forget_idle(self, now: datetime) -> None:
        for telegram_id in [
            k for k, v in self._recent.items() if not v or v[-1] <= now - self._per
        ]:
            del self._recent[telegram_id]
