"""The opening lines handlers share: who pressed which button, and refusals by role."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update
from telegram.ext import ApplicationHandlerStop

from handlers.callbacks import Callback, decode
from handlers.context import Context
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.replies import reply
from services.errors import PermissionDenied

Handler = Callable[[Update, Context], Awaitable[None]]
CallerHandler = Callable[[Update, Context, Caller], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Press:
    """A button press: the query (already answered), its data and who pressed."""

    query: CallbackQuery
    callback: Callback
    caller: Caller


async def pressed(update: Update, context: Context) -> Press | None:
    """Answer the press (Telegram stops the spinner) and say what and who it was.

    None for an update without a query, data linli did not make, or no sender.
    """
    query = update.callback_query
    if query is None:
        return None
    await query.answer()
    callback, caller = decode(query.data), await identify(update, context)
    if callback is None or caller is None:
        return None
    return Press(query, callback, caller)


def refusing(denied_key: str) -> Callable[[CallerHandler], Handler]:
    """A handler for a role-checked command: it gets the identified caller, and a
    PermissionDenied from the services is answered with the catalog text ``denied_key``."""

    def wrap(handler: CallerHandler) -> Handler:
        @functools.wraps(handler)
        async def run(update: Update, context: Context) -> None:
            caller = await identify(update, context)
            if caller is None:
                return
            try:
                await handler(update, context, caller)
            except PermissionDenied:
                await reply(update, t(caller.language, denied_key))

        return run

    return wrap


def stopping(handler: Handler) -> Handler:
    """``handler``, then no other handler group sees the update (commands and buttons
    handled in group -1, ahead of the question path)."""

    @functools.wraps(handler)
    async def run(update: Update, context: Context) -> None:
        await handler(update, context)
        raise ApplicationHandlerStop

    return run


async def refuse_unshown_buttons(update: Update, context: Context) -> None:
    """Stop a press whose data is on no button of the message it came from.

    Telegram's client sends the button's data itself, so a modified client can press any
    data on any message it sees: a menu's data on a ticket card in the staff chat would turn
    the card into a menu. What linli showed is in the pressed message's keyboard; anything
    else is refused here, before any handler edits a message. (Every use case still checks
    who asks, what they own and where, for data that is shown.) An inaccessible message
    (deleted, too old) carries no keyboard to compare: the handlers' own checks decide.
    """
    query = update.callback_query
    if query is None:
        return
    message = query.message
    if message is not None and not isinstance(message, Message):
        return
    markup = message.reply_markup if message is not None else None
    shown = {
        button.callback_data
        for row in (markup.inline_keyboard if markup is not None else ())
        for button in row
    }
    if query.data in shown:
        return
    caller = await identify(update, context)
    language = caller.language if caller is not None else "zh-Hans"
    await query.answer(t(language, "stale_button"), show_alert=True)
    raise ApplicationHandlerStop
