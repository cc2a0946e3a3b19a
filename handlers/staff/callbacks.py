"""Callbacks (回访) in the staff chat: /callbacks, /callback <no> <outcome> [note], and the
list's buttons cb:<s|n|u>:<ticket id> (满意 / 不满意 / 联系不上).

Parse → one call to services/tickets/callbacks.py → one reply; the service checks the role
and the chat, and refuses a ticket no call is due on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.context import Context, LinliApp
from handlers.guards import stopping
from handlers.i18n import t
from handlers.replies import reply
from handlers.staff.commands import gate, number_word_note
from handlers.staff.common import (
    Refused,
    attempt,
    desk_press,
    in_staff_chat,
    is_staff,
)
from handlers.staff.common import staff_language as desk_language
from handlers.staff.render import category_name, status_name
from services.tickets.callbacks import CallbackDue, CallbackOutcome, CallbackRecorded, NoCallbackDue

PATTERN = r"^cb:[snu]:"
_CODES = {
    "s": CallbackOutcome.SATISFIED,
    "n": CallbackOutcome.NOT_SATISFIED,
    "u": CallbackOutcome.UNREACHABLE,
}
# What staff type after the number: English, Chinese, and the letters of the buttons.
_WORDS = {
    "satisfied": CallbackOutcome.SATISFIED,
    "满意": CallbackOutcome.SATISFIED,
    "unsatisfied": CallbackOutcome.NOT_SATISFIED,
    "not_satisfied": CallbackOutcome.NOT_SATISFIED,
    "不满意": CallbackOutcome.NOT_SATISFIED,
    "unreachable": CallbackOutcome.UNREACHABLE,
    "联系不上": CallbackOutcome.UNREACHABLE,
    **_CODES,
}
_LETTER = {outcome: code for code, outcome in _CODES.items()}


async def callbacks_command(update: Update, context: Context) -> None:
    """/callbacks: the tickets due a call, each with its three outcome buttons."""
    gated = await gate(update, context)
    if gated is None:
        return
    caller, language = gated
    call = context.services.tickets.callbacks.list_due(caller.actor)
    due = await attempt(language, "", "accept", call)
    if isinstance(due, Refused):
        await reply(update, due.text)
        return
    if not due:
        await reply(update, t(language, "callback.empty"))
        return
    lines = [t(language, "callback.title", count=len(due))]
    lines += [_line(language, item) for item in due]
    await reply(update, "\n".join(lines), _keyboard(language, due))


async def callback_command(update: Update, context: Context) -> None:
    """/callback <no> satisfied|unsatisfied|unreachable [note]."""
    gated = await gate(update, context)
    if gated is None:
        return
    caller, language = gated
    parsed = number_word_note(update, _WORDS)
    if parsed is None:
        await reply(update, t(language, "callback.usage"))
        return
    number, outcome, note = parsed
    call = context.services.tickets.callbacks.record(caller.actor, number, outcome, note)
    text, _ = await _recorded(language, number, call)
    await reply(update, text)


async def on_callback_button(update: Update, context: Context) -> None:
    """cb:<s|n|u>:<ticket id> under the callback list."""
    press = await desk_press(update, context)
    if press is None:
        return
    query, caller, cb, ticket_id = press.query, press.caller, press.callback, press.ticket_id
    language = desk_language(context) if is_staff(caller) else caller.language
    if cb is None or ticket_id is None or not cb.args or cb.args[0] not in _CODES:
        await query.answer(t(language, "stale_button"), show_alert=True)
        return
    if not in_staff_chat(update, context):
        await query.answer(t(language, "staff.use_staff_chat"), show_alert=True)
        return
    outcome = _CODES[cb.args[0]]
    call = context.services.tickets.callbacks.record_by_id(caller.actor, ticket_id, outcome)
    text, recorded = await _recorded(language, str(ticket_id), call)
    await query.answer()
    if recorded is not None and outcome is not CallbackOutcome.UNREACHABLE:
        await _drop_row(query.message, ticket_id)  # reached: off the list
    await reply(update, text)


async def _drop_row(message: object, ticket_id: int) -> None:
    """The list without the row of ``ticket_id`` (a stale list shows what is done)."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    suffix = f":{ticket_id}"
    rows = [
        row
        for row in message.reply_markup.inline_keyboard
        if not any(str(button.callback_data or "").endswith(suffix) for button in row)
    ]
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)


async def _recorded(
    language: str, number: str, call: Awaitable[CallbackRecorded]
) -> tuple[str, CallbackRecorded | None]:
    """What staff are told, and the recorded call (None when refused)."""
    outcome = await attempt(language, number, "accept", _or_not_due(call))
    if isinstance(outcome, Refused):
        return outcome.text, None
    if isinstance(outcome, NoCallbackDue):
        status = status_name(language, outcome.status)
        return t(language, "callback.not_due", number=outcome.number, status=status), None
    key = f"callback.done.{outcome.outcome.value}"
    return t(language, key, number=outcome.ticket.number), outcome


async def _or_not_due(call: Awaitable[CallbackRecorded]) -> CallbackRecorded | NoCallbackDue:
    """The refusal particular to callbacks, kept apart from the desk's general ones."""
    try:
        return await call
    except NoCallbackDue as exc:
        return exc


def _line(language: str, item: CallbackDue) -> str:
    last = t(language, "callback.last_unreachable") if item.last_outcome else ""
    return t(
        language,
        "callback.line",
        number=item.ticket.number,
        category=category_name(language, item.ticket.category),
        reason=t(language, f"callback.reason.{item.reason}"),
        last=last,
    )


def _keyboard(language: str, due: tuple[CallbackDue, ...]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                t(language, f"button.callback.{outcome.value}", number=item.ticket.number),
                callback_data=f"cb:{_LETTER[outcome]}:{item.ticket.id}",
            )
            for outcome in CallbackOutcome
        ]
        for item in due
    ]
    return InlineKeyboardMarkup(rows)


def register(application: LinliApp) -> None:
    """/callbacks and /callback (staff chat; refused elsewhere) and the list's buttons."""
    once = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("callbacks", stopping(callbacks_command), once), -1)
    application.add_handler(CommandHandler("callback", stopping(callback_command), once), -1)
    application.add_handler(CallbackQueryHandler(stopping(on_callback_button), pattern=PATTERN), -1)
