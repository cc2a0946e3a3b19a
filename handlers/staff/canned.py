"""Canned replies (常用语) in Telegram: /canned (the list, for staff at the desk and admins),
admins' /canned_add, /canned_remove (in their private chat or the staff chat), and the
buttons staff pick one from: cn:<canned id>:<ticket id> under the "💬 答复" and
"❌ 不予受理" prompts and under the follow-up of a resolve.

Button data carries ids only; the service checks role, staff chat, the text's category and
the ticket's status again on every press. A picked reply or reason closes the prompt it was
offered under, so the presser's next message is not taken as a second one.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.callbacks import decode, int_arg, parse_id
from handlers.context import Context, LinliApp
from handlers.guards import stopping
from handlers.i18n import t
from handlers.people import identify
from handlers.replies import reply
from handlers.staff.buttons import refresh
from handlers.staff.canned_list import LIST_WORDS, canned_list_text
from handlers.staff.commands import arguments, done_text
from handlers.staff.common import Refused, attempt, drop_buttons, in_staff_chat, staff_language
from services.access import Actor, WrongPlace
from services.errors import InvalidInput, PermissionDenied, ServiceError
from services.tickets.canned import (
    MAX_CANNED,
    PLACEHOLDERS,
    CannedNotFound,
    CannedSent,
    CannedTooLong,
    CannedView,
    EmptyText,
    NotForTicket,
    PromptClosed,
    UnknownAction,
    UnknownPlaceholder,
)
from services.tickets.categories import category_title
from services.tickets.lifecycle import InvalidTransition

PATTERN = r"^cn:"
T = TypeVar("T")
ACTION_WORDS = {
    "reply": "reply", "答复": "reply", "回复": "reply",
    "resolve": "resolve", "办结": "resolve", "解决": "resolve",
    "reject": "reject", "不予受理": "reject", "驳回": "reject",
}  # fmt: skip
"""What admins may type as the action of /canned_add: the ids, and the desk's own words."""


async def canned_command(update: Update, context: Context) -> None:
    """/canned (or /canned list): the texts in use, by action and category, with how to
    send each; for staff at the desk, and admins in their private chat too."""
    caller = await identify(update, context)
    if caller is None:
        return
    language = staff_language(context) if in_staff_chat(update, context) else caller.language
    try:  # who and where first: the usage line is for those who may list
        listed = await context.services.tickets.canned.list(caller.actor)
    except WrongPlace:  # a PermissionDenied too: first
        await reply(update, t(caller.language, "staff.use_staff_chat"))
        return
    except PermissionDenied:  # the refusal every staff command gives
        await reply(update, t(caller.language, "staff.only"))
        return
    if arguments(update).lower() not in LIST_WORDS:
        await reply(update, t(language, "canned.usage.list"))
        return
    await reply(update, canned_list_text(language, listed))


async def canned_add_command(update: Update, context: Context) -> None:
    """/canned_add <action> <category|*> <text>."""
    caller = await identify(update, context)
    if caller is None:
        return
    language = caller.language
    words = arguments(update).split(maxsplit=2)
    if len(words) < 3:
        await reply(update, t(language, "canned.usage.add"))
        return
    action = ACTION_WORDS.get(words[0].lower(), words[0])
    call = context.services.tickets.canned.add(caller.actor, action, words[1], words[2])
    added = await _managed(language, call)
    if isinstance(added, Refused):
        await reply(update, added.text)
        return
    await reply(update, t(language, "canned.added", line=_line(language, added)))


async def canned_remove_command(update: Update, context: Context) -> None:
    """/canned_remove <id>."""
    caller = await identify(update, context)
    if caller is None:
        return
    language = caller.language
    canned_id = parse_id(arguments(update).lstrip("#"))
    if canned_id is None:
        await reply(update, t(language, "canned.usage.remove"))
        return
    call = context.services.tickets.canned.remove(caller.actor, canned_id)
    removed = await _managed(language, call)
    if isinstance(removed, Refused):
        await reply(update, removed.text)
        return
    await reply(update, t(language, "canned.removed", line=_line(language, removed)))


async def _managed(language: str, call: Awaitable[T]) -> T | Refused:
    """An admin's change, or its refusal in words."""
    try:
        return await call
    except WrongPlace:
        return Refused(t(language, "canned.use_private"))
    except PermissionDenied:
        return Refused(t(language, "permission.denied"))
    except CannedNotFound as exc:
        return Refused(t(language, "canned.not_found", id=exc.canned_id))
    except UnknownAction as exc:
        return Refused(t(language, "canned.unknown_action", action=exc.action))
    except UnknownPlaceholder as exc:
        known = " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        if not exc.name:  # a brace standing alone, or "{}": no name to show
            return Refused(t(language, "canned.stray_brace", known=known))
        return Refused(t(language, "canned.unknown_placeholder", name=exc.name, known=known))
    except EmptyText:
        return Refused(t(language, "canned.usage.add"))
    except CannedTooLong:
        return Refused(t(language, "canned.too_long", limit=MAX_CANNED))
    except InvalidInput:  # the only other check: the category id
        return Refused(t(language, "canned.unknown_category"))


def _line(language: str, canned: CannedView) -> str:
    category = (
        t(language, "canned.all_categories")
        if canned.category is None
        else category_title(canned.category)
    )
    sample = t(language, "canned.sample") if canned.sample else ""
    action = t(language, f"canned.action.{canned.action}")
    return t(
        language, "canned.line", id=canned.id, action=action, category=category,
        text=canned.text, sample=sample,
    )  # fmt: skip


async def on_pick(update: Update, context: Context) -> None:
    """cn:<canned id>:<ticket id>: send that text, filled, as the reply or the reason."""
    query = update.callback_query
    caller = await identify(update, context)
    cb = decode(query.data if query else None)
    canned_id, ticket_id = (int_arg(cb, 0), int_arg(cb, 1)) if cb else (None, None)
    if query is None or caller is None:
        return
    language = staff_language(context)
    if canned_id is None or ticket_id is None:
        await query.answer(t(language, "stale_button"), show_alert=True)
        return
    if not in_staff_chat(update, context):  # pressed (or forged) elsewhere: say where
        await query.answer(t(language, "staff.use_staff_chat"), show_alert=True)
        return
    prompt = query.message if isinstance(query.message, Message) else None
    under = None if prompt is None else prompt.message_id
    number = str(ticket_id)
    sent = await _picked(language, number, context, caller.actor, canned_id, ticket_id, under)
    if isinstance(sent, Refused):
        await query.answer(sent.text, show_alert=True)
        return
    done = await done_text(context, language, sent.action, sent.ticket)
    await query.answer(done)
    if prompt is not None:
        # The prompt is answered (the service took it): no second pick is offered.
        await drop_buttons(context, prompt.chat_id, prompt.message_id)
        await refresh(context, language, prompt.reply_to_message, sent.ticket)
    await reply(update, done)


async def _picked(
    language: str,
    number: str,
    context: Context,
    actor: Actor,
    canned_id: int,
    ticket_id: int,
    under: int | None,
) -> CannedSent | Refused:
    try:
        return await context.services.tickets.canned.send(actor, canned_id, ticket_id, under)
    except (CannedNotFound, NotForTicket):  # removed since shown, or a forged pairing
        return Refused(t(language, "canned.gone"))
    except PromptClosed:
        if under is not None:  # the closed prompt's texts are offered no longer
            await drop_buttons(context, actor.chat_id, under)
        return Refused(t(language, "canned.prompt_closed"))
    except ServiceError as exc:  # the desk's refusals, in the desk's words
        action = exc.action.value if isinstance(exc, InvalidTransition) else "reply"
        return await attempt(language, number, action, _raising(exc))


async def _raising(exc: ServiceError) -> CannedSent:
    raise exc


def register(application: LinliApp) -> None:
    """The admin commands (any chat: the service says where) and the pick buttons."""
    once = filters.UpdateType.MESSAGE
    commands = {
        "canned": canned_command,
        "canned_add": canned_add_command,
        "canned_remove": canned_remove_command,
    }
    for name, command in commands.items():
        application.add_handler(CommandHandler(name, stopping(command), once), -1)
    application.add_handler(CallbackQueryHandler(stopping(on_pick), pattern=PATTERN), -1)
