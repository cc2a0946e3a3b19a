"""Sending a reply: long text split cleanly, keyboard on the last part."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, RetryAfter

from handlers.text import TELEGRAM_TEXT_LIMIT, split_message
from services.lengths import text_units

T = TypeVar("T")


async def reply(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Reply in the chat the update came from; returns the last message sent."""
    chat = update.effective_chat
    if chat is None:
        return None
    parts = split_message(text)
    sent: Message | None = None
    thread = update.effective_message.message_thread_id if update.effective_message else None
    for i, part in enumerate(parts):
        markup = keyboard if i == len(parts) - 1 else None
        sent = await riding_out_flood_waits(
            lambda part=part, markup=markup: chat.send_message(
                part, reply_markup=markup, message_thread_id=thread
            )
        )
    return sent


async def replace(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Show ``text`` in place of the message whose button was pressed (menus, language)."""
    query = update.callback_query
    if query is None or text_units(text) > TELEGRAM_TEXT_LIMIT:
        await reply(update, text, keyboard)
        return
    with unchanged_is_fine():
        await query.edit_message_text(text, reply_markup=keyboard)


async def settle(update: Update, choice: str) -> None:
    """Show the choice on the pressed message and take its buttons away (no double press)."""
    query = update.callback_query
    message = query.message if query is not None else None
    if isinstance(message, Message) and message.text:
        with unchanged_is_fine():
            await message.edit_text(f"{message.text}\n\n✅ {choice}", reply_markup=None)


@contextmanager
def unchanged_is_fine() -> Iterator[None]:
    """Pressing a menu button twice edits a message into what it already shows, which
    Telegram refuses ("message is not modified"): the person already sees the right thing."""
    try:
        yield
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


FLOOD_WAIT_BUDGET_S = 60.0
"""How long one reply waits out Telegram's 429s before the update is given up: a resident
asking during a burst gets the answer late rather than an apology."""


async def riding_out_flood_waits(send: Callable[[], Awaitable[T]]) -> T:
    """``send()``, repeated after each 429 for as long as Telegram asks, within
    FLOOD_WAIT_BUDGET_S in all (a longer wait raises the last RetryAfter)."""
    waited = 0.0
    while True:
        try:
            return await send()
        except RetryAfter as exc:
            seconds = retry_after_s(exc)
            if waited + seconds > FLOOD_WAIT_BUDGET_S:
                raise
            waited += seconds
            await asyncio.sleep(seconds)


def retry_after_s(exc: RetryAfter) -> float:
    """The seconds a 429 asks to wait (an int today, a timedelta in a later PTB)."""
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
