"""The in-process fake Telegram Bot API server (console, end-to-end tests, benchmarks)."""

from bot.bot_api.faults import FloodLimits, FloodViolation, Limit
from bot.bot_api.recorder import BotCall
from bot.bot_api.server import BotApiServer
from bot.bot_api.users import TINY_PNG, inline_buttons
from bot.bot_api.world import ApiError

__all__ = [
    "TINY_PNG",
    "ApiError",
    "BotApiServer",
    "BotCall",
    "FloodLimits",
    "FloodViolation",
    "Limit",
    "inline_buttons",
]
