"""The in-process fake Telegram Bot API server (console, end-to-end tests, benchmarks)."""

from bot_api_emulator.faults import FloodLimits, FloodViolation, Limit
from bot_api_emulator.recorder import BotCall
from bot_api_emulator.server import BotApiServer
from bot_api_emulator.users import TINY_PNG, inline_buttons
from bot_api_emulator.world import ApiError

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
