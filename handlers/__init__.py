"""Telegram adapters: parse an update, call one service, render the reply."""

from handlers.registry import bot_commands, register_handlers

__all__ = ["bot_commands", "register_handlers"]
