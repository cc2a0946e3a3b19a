"""Wiring: which handler answers which update, and the command list shown in Telegram."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import BotCommand, Update
from telegram.constants import ChatType
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import common
from handlers.admin import kb_learning
from handlers.admin import reload as admin
from handlers.awaiting import INPUT_GROUP, Cancel, Route, cancel_command, input_router
from handlers.broadcast import commands as broadcast
from handlers.broadcast import input as broadcast_input
from handlers.bulletins import commands as bulletins
from handlers.callbacks import Callback, decode
from handlers.context import Context, LinliApp
from handlers.errors import on_error
from handlers.filing import commands as filing
from handlers.filing import enquiry
from handlers.filing import steps as filing_steps
from handlers.guards import refuse_unshown_buttons
from handlers.i18n import t
from handlers.message_filters import PrivateTyped
from handlers.on_behalf import commands as on_behalf
from handlers.people import Caller, identify
from handlers.privacy import commands as privacy
from handlers.profile import commands as profile
from handlers.profile import input as profile_input
from handlers.questions import answers as questions
from handlers.replies import reply
from handlers.reports import commands as reports
from handlers.staff import callbacks as staff_callbacks
from handlers.staff import canned as staff_canned
from handlers.staff import desk as staff_desk
from handlers.staff import reviews as staff_reviews
from handlers.staff import supervision
from handlers.subscriptions import commands as subscriptions
from handlers.tickets import commands as my_tickets
from handlers.tickets import reviews as ticket_reviews
from handlers.tickets import typed_rating
from services.residents.awaiting import Owed

CallbackAction = Callable[[Update, Context, Caller, Callback], Awaitable[None]]

# Commands shown in Telegram's menu, in order; descriptions come from the catalogs.
PUBLIC_COMMANDS = (
    "start",
    "help",
    "menu",
    "complain",
    "mytickets",
    "subscribe",
    "unsubscribe",
    "quiet",
    "stop",
    "language",
    "profile",
    "mydata",
    "forget",
    "cancel",
)


def bot_commands(language: str) -> list[BotCommand]:
    return [BotCommand(name, t(language, f"command.{name}")) for name in PUBLIC_COMMANDS]


async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    cb = decode(query.data)
    caller = await identify(update, context)
    if caller is None:
        return
    if cb is not None and cb.kind == "lang" and cb.args:
        await common.choose_language(update, context, cb)
        return
    action = _CALLBACK_ACTIONS.get(cb.kind) if cb else None
    if action is None or cb is None:
        await reply(update, t(caller.language, "stale_button"))
        return
    await action(update, context, caller, cb)


async def _menu(u: Update, c: Context, caller: Caller, cb: Callback) -> None:
    await common.show_categories(u, c, caller, edit=True)


async def _category(u: Update, c: Context, caller: Caller, cb: Callback) -> None:
    await common.show_category(u, c, caller, cb.args[0] if cb.args else "")


async def _help(u: Update, c: Context, caller: Caller, cb: Callback) -> None:
    await common.send_help(u, caller)


async def _language(u: Update, c: Context, caller: Caller, cb: Callback) -> None:
    await common.choose_language(u, c, cb)


_CALLBACK_ACTIONS: dict[str, CallbackAction] = {
    "menu": _menu,
    "cat": _category,
    "help": _help,
    "lang": _language,
    "ent": questions.show_entry,
    "pick": questions.show_entry,
    "nope": questions.none_of_these,
    "fb": questions.feedback,
}


async def unknown_command(update: Update, context: Context) -> None:
    message = update.message
    if message is None or message.text is None:
        return
    addressed = f"@{context.bot.username}".lower() in message.text.lower()
    if message.chat.type != ChatType.PRIVATE and not addressed:
        return  # a command for another bot in a group
    caller = await identify(update, context)
    if caller is not None:
        await reply(update, t(caller.language, "unknown_command"))


# What a person owes linli next → the handler of their typed message, and of their /cancel.
ROUTES: dict[Owed, Route] = {
    Owed.FILING: filing_steps.on_message,
    Owed.BROADCAST_TEXT: broadcast_input.on_message,
    Owed.BROADCAST: broadcast_input.on_message,
    Owed.RATING_COMMENT: my_tickets.on_comment,
    Owed.KB_ENTRY: kb_learning.on_typed_entry,
    Owed.PLACE: profile_input.on_message,
    Owed.RECORD: on_behalf.on_message,
    Owed.ENQUIRY: enquiry.on_answer,
}
CANCELS: dict[Owed, Cancel] = {
    Owed.FILING: filing.cancel_filing,
    Owed.BROADCAST_TEXT: broadcast.cancel_broadcast,
    Owed.BROADCAST: broadcast.cancel_broadcast,
    Owed.RATING_COMMENT: my_tickets.cancel_comment,
    Owed.KB_ENTRY: kb_learning.cancel_entry,
    Owed.PLACE: profile.cancel_place,
    Owed.RECORD: on_behalf.cancel_recording,
    Owed.ENQUIRY: enquiry.cancel_enquiry,
}


PRESS_GUARD = -10
"""The first handler group: refuse_unshown_buttons, before every other group."""


def register_handlers(application: LinliApp) -> None:
    """Add every handler, in the order PTB should try them.

    Ticket handlers come first: they intercept a resident in the middle of filing and every
    message in the staff chat (handler group -1) before the question-and-answer path.
    """
    # --- a press of data that no button of its message shows: refused before anything acts
    application.add_handler(CallbackQueryHandler(refuse_unshown_buttons), group=PRESS_GUARD)
    # --- typed private messages: to the flow the person owes an answer (handlers/awaiting.py)
    application.add_handler(MessageHandler(PrivateTyped(), input_router(ROUTES)), group=INPUT_GROUP)
    application.add_handler(
        CommandHandler(
            "cancel", cancel_command(CANCELS, filing.cancel_filing), filters.ChatType.PRIVATE
        )
    )
    # --- tickets: filing (handlers/filing/) and the resident's tickets (handlers/tickets/)
    filing.register(application)
    my_tickets.register(application)
    typed_rating.register(application)  # after replies to ticket messages, in the same group
    # --- tickets: the staff desk (handlers/staff/desk.py)
    staff_desk.register(application)
    staff_callbacks.register(application)
    supervision.register(application)
    staff_reviews.register(application)
    ticket_reviews.register(application)
    staff_canned.register(application)
    on_behalf.register(application)
    reports.register(application)
    # --- notices: /broadcast, /notices, subscriptions, bulletins (handlers/broadcast*.py, ...)
    broadcast.register(application)
    subscriptions.register(application)
    privacy.register(application)
    profile.register(application)
    bulletins.register(application)
    kb_learning.register(application)
    application.add_handler(CommandHandler("start", common.start))
    application.add_handler(CommandHandler("help", common.help_command))
    application.add_handler(CommandHandler("language", common.language_command))
    application.add_handler(CommandHandler("menu", common.menu_command))
    application.add_handler(CommandHandler("reload", admin.reload_command))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, questions.on_text))
    application.add_handler(
        MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, questions.on_non_text)
    )
    application.add_error_handler(on_error)
