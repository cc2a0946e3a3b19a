"""Fault injection and flood-limit enforcement for the fake Bot API."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot_api_emulator.world import JSON, ApiError

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# Calls that put something into a chat; Telegram's flood limits are about these.
FLOOD_COUNTED = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendLocation",
        "sendSticker",
        "sendVoice",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    )
)


@dataclass
class _Fault:
    method: str
    error: ApiError
    remaining: int
    chat_id: int | None

    def matches(self, method: str, params: JSON) -> bool:
        if self.method not in ("*", method.lower()):
            return False
        return self.chat_id is None or _chat_key(params) == self.chat_id


def _chat_key(params: JSON) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class FaultPlan:
    """Errors queued by a test, answered instead of running the method."""

    faults: list[_Fault] = field(default_factory=list)

    def add(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        if error_code == 429 and retry_after is None:
            retry_after = 1
        text = description or _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        parameters: dict[str, Any] = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        error = ApiError(error_code, text.format(retry_after=retry_after), parameters or None)
        self.faults.append(_Fault(method.lower(), error, count, chat_id))

    def take(self, method: str, params: JSON) -> ApiError | None:
        for fault in self.faults:
            if fault.matches(method, params):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault.error
        return None


@dataclass
class _Stall:
    method: str
    seconds: float | None  # None: drop the connection without an answer
    remaining: int


@dataclass
class StallPlan:
    """Calls answered late (a client's read timeout) or never (the connection dropped)."""

    stalls: list[_Stall] = field(default_factory=list)

    def add(self, method: str, seconds: float | None, count: int = 1) -> None:
        self.stalls.append(_Stall(method.lower(), seconds, count))

    def take(self, method: str) -> _Stall | None:
        for stall in self.stalls:
            if stall.method in ("*", method.lower()):
                stall.remaining -= 1
                if stall.remaining <= 0:
                    self.stalls.remove(stall)
                return stall
        return None


@dataclass(frozen=True)
class Limit:
    """At most `count` calls in any window of `per_seconds`."""

    count: int
    per_seconds: float


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented limits: ~30 messages/s overall, ~1/s per chat, 20/min per group."""

    overall: Limit = Limit(30, 1.0)
    private_chat: Limit = Limit(1, 1.0)
    group: Limit = Limit(20, 60.0)


@dataclass(frozen=True)
class FloodViolation:
    scope: str  # "overall", "private_chat" or "group"
    chat_id: int | None
    method: str
    retry_after: int
    time: float


class FloodGuard:
    """Sliding-window counters per scope; refuses with 429 + retry_after like Telegram."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self.violations: list[FloodViolation] = []
        self._windows: dict[tuple[str, int | None], deque[float]] = {}

    def check(self, method: str, params: JSON) -> ApiError | None:
        if method.lower() not in FLOOD_COUNTED:
            return None
        chat_id = _chat_key(params)
        now = time.monotonic()
        scopes: list[tuple[str, int | None, Limit]] = [("overall", None, self.limits.overall)]
        if chat_id is not None:
            # Positive ids are users (private chats); negative ids are groups and channels.
            if chat_id > 0:
                scopes.append(("private_chat", chat_id, self.limits.private_chat))
            else:
                scopes.append(("group", chat_id, self.limits.group))
        for scope, key, limit in scopes:
            window = self._window(scope, key, limit, now)
            if len(window) >= limit.count:
                wait = max(1, math.ceil(window[0] + limit.per_seconds - now))
                self.violations.append(FloodViolation(scope, key, method, wait, now))
                return ApiError(
                    429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
                )
        for scope, key, _ in scopes:
            self._windows[(scope, key)].append(now)
        return None

    def _window(self, scope: str, key: int | None, limit: Limit, now: float) -> deque[float]:
        window = self._windows.setdefault((scope, key), deque())
        while window and window[0] <= now - limit.per_seconds:
            window.popleft()
        return window
