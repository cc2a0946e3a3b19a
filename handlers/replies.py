"""Sending a reply: long text split cleanly, keyboard on the last part."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, RetryAfter, TelegramError

from handlers.text import TELEGRAM_TEXT_LIMIT, split_message
from services.lengths import text_units

T = TypeVar("T")
log = logging.getLogger("linli.replies")


async def reply(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Reply in the chat the update came from (in its forum topic, if any)."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_message(text)
    thread = update.effective_message.message_thread_id if update.effective_message else None
    for i, part in enumerate(parts):
        request = {"chat_id": chat.id, "text": part, "message_thread_id": thread}
        if i == len(parts) - 1 and keyboard is not None:
            request["reply_markup"] = keyboard_json(keyboard)
        await riding_out_flood_waits(lambda request=request: _send_message(update, request))
    scope = _settling.get()
    if scope is not None:
        scope.replied_at = time.monotonic()


async def _send_message(update: Update, request: dict[str, object]) -> None:
    """sendMessage, without reading Telegram's copy of the sent message back into a Message.

    PTB's send_message parses that copy (text, entities, keyboard) into objects: about half a
    millisecond per answer, a sixth of linli's time per question under load (py-spy on
    bench_updates), for a result no reply uses. Bot._post is the step every PTB method sends
    through, so defaults, the rate limiter and the mapping of errors (RetryAfter, Forbidden,
    BadRequest) stay PTB's own; it is private, and PTB is pinned below 23 for this.
    """
    await update.get_bot()._post("sendMessage", request)


def keyboard_json(keyboard: InlineKeyboardMarkup) -> dict[str, object]:
    """The keyboard as the Bot API's JSON. PTB's to_dict walks every attribute of every
    button, 0.2 ms for an answer's five; linli's buttons are text and callback data, and any
    other kind of button is left to PTB."""
    return {
        "inline_keyboard": [
            [
                {"text": button.text, "callback_data": button.callback_data}
                if isinstance(button.callback_data, str)
                and button.style is None
                and button.icon_custom_emoji_id is None
                else button.to_dict()
                for button in row
            ]
            for row in keyboard.inline_keyboard
        ]
    }


async def replace(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Show ``text`` in place of the message whose button was pressed (menus, language)."""
    query = update.callback_query
    if query is None or text_units(text) > TELEGRAM_TEXT_LIMIT:
        await reply(update, text, keyboard)
        return
    with unchanged_is_fine():
        await query.edit_message_text(text, reply_markup=keyboard)


async def settle(update: Update, choice: str) -> None:
    """Show the choice on the pressed message and take its buttons away (no double press).

    Within an update (``settling_after_reply``) the edit waits until the update's own
    messages are sent: a press answered by an edit *and* the next step is two messages in one
    private chat, and Telegram's limit there is about one a second, so the step the resident
    waits for goes first and the edit follows. A second press meanwhile finds the flow moved
    on (every flow answers a stale button).
    """
    query = update.callback_query
    message = query.message if query is not None else None
    if not (isinstance(message, Message) and message.text):
        return
    text = f"{message.text}\n\n✅ {choice}"

    async def edit() -> None:
        with unchanged_is_fine():
            await message.edit_text(text, reply_markup=None)

    scope = _settling.get()
    if scope is None:
        await edit()
    else:
        scope.edits.append(edit)


@dataclass
class Settling:
    """The pressed messages one update settles, and when it last replied."""

    edits: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    replied_at: float | None = None

    async def run(self, gap_s: float) -> None:
        """Edit the pressed messages, ``gap_s`` after the update's last reply (if any)."""
        if self.replied_at is not None:
            await asyncio.sleep(max(0.0, self.replied_at + gap_s - time.monotonic()))
        for edit in self.edits:
            try:  # in the background, so a 429's wait holds up nobody
                await riding_out_flood_waits(edit)
            except TelegramError as error:  # the buttons stay; a press on them is stale
                log.info("A pressed message was not settled: %s", type(error).__name__)


_settling: ContextVar[Settling | None] = ContextVar("linli_settling", default=None)


@contextmanager
def settling_after_reply() -> Iterator[Settling]:
    """Collect the update's ``settle`` edits instead of making them at once; the caller
    runs them (``Settling.run``) once the update is handled, outside its chat's turn."""
    scope = Settling()
    token = _settling.set(scope)
    try:
        yield scope
    finally:
        _settling.reset(token)


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
