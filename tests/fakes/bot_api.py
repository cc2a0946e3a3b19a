"""The fake Telegram Bot API server for tests, plus helpers to point PTB at it.

The server itself lives in ``bot.bot_api`` because ``linli console`` and the benchmarks use
it too; tests import it from here.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.ext import Application, ApplicationBuilder

from bot_api_emulator import (
    TINY_PNG,
    ApiError,
    BotApiServer,
    BotCall,
    FloodLimits,
    FloodViolation,
    Limit,
    inline_buttons,
)

__all__ = [
    "TINY_PNG",
    "ApiError",
    "BotApiServer",
    "BotCall",
    "FloodLimits",
    "FloodViolation",
    "Limit",
    "application_builder",
    "button_labels",
    "inline_buttons",
    "make_bot",
]


def make_bot(server: BotApiServer, **kwargs: Any) -> Bot:
    """A plain PTB Bot talking to the fake server (use as `async with make_bot(server) as bot`)."""
    return Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url, **kwargs)


def application_builder(server: BotApiServer) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ApplicationBuilder already pointed at the fake server; add handlers, then build()."""
    return (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
    )


def button_labels(message: dict[str, Any] | None) -> list[str]:
    """The labels of a message's inline buttons, row by row (what the user sees)."""
    return [button["text"] for button in inline_buttons(message or {})]
