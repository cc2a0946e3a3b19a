"""Method registry of the fake Bot API: name → implementation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot_api_emulator.world import JSON, World, bad_request

Upload = tuple[str, bytes]  # (file name, content) of a multipart file part
Handler = Callable[[World, JSON, dict[str, Upload]], Awaitable[Any]]


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler


# Telegram matches method names case-insensitively, so the registry is keyed in lower case.
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = Method(name, handler)
        return handler

    return register


def require(params: JSON, *names: str) -> None:
    """Telegram's 400 for a missing required parameter."""
    for name in names:
        if params.get(name) in (None, ""):
            if name == "text":
                raise bad_request("message text is empty")
            raise bad_request(f"{name} is required")
