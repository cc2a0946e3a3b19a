"""The staff desk in the staff chat: registration, and messages that act on tickets.

A staff reply to any ticket message of linli's (a card, a follow-up, a prompt: their first
line names the ticket, see staff_render) goes to the resident, signed by the community by
the service; a reject prompt's next message is the reason (staff_buttons). Commands are in
staff_commands. Everything in the staff chat stops here (handler group -1), so staff talk
never reaches the question-and-answer path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.context import Context, LinliApp
from handlers.i18n import t
from handlers.people import identify
from handlers.replies import reply
from handlers.staff.bans import ban_command, banned_command, unban_command
from handlers.staff.buttons import (
    PATTERN,
    card_of_prompt,
    is_card,
    on_button,
    refresh,
    remember_card,
)
from handlers.staff.clock import CLOCK_COMMANDS, on_decision
from handlers.staff.clock import PATTERN as DECISION_PATTERN
from handlers.staff.commands import (
    ACTS,
    act_command,
    done_text,
    mine_command,
    queue_command,
    ticket_command,
)
from handlers.staff.common import (
    DeskChats,
    Refused,
    attempt,
    drop_buttons,
    is_staff,
    staff_language,
)
from handlers.staff.render import ticket_in_first_line
from handlers.staff.summary import with_summary_hint
from handlers.staff.summary_command import summary_command
from handlers.staff.transfer import transfer_command
from services.access import Actor
from services.tickets import DeskPromptView, StaffTicketView

log = logging.getLogger("linli.staff")
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


def register(application: LinliApp) -> None:
    """Add the staff desk's handlers in group -1; each stops the update it handled."""
    once = filters.UpdateType.MESSAGE  # an edited command must not act twice
    for name in ACTS:
        application.add_handler(CommandHandler(name, _stop(act_command(name)), once), -1)
    application.add_handler(CommandHandler("queue", _stop(queue_command), once), -1)
    application.add_handler(CommandHandler("mine", _stop(mine_command), once), -1)
    application.add_handler(CommandHandler("summary", _stop(summary_command), once), -1)
    application.add_handler(CommandHandler("transfer", _stop(transfer_command), once), -1)
    for name, command in BAN_COMMANDS.items():
        application.add_handler(CommandHandler(name, _stop(command), once), -1)
    application.add_handler(CallbackQueryHandler(_stop(on_button), pattern=PATTERN), -1)
    for name, command in CLOCK_COMMANDS.items():  # extensions and pauses (staff/clock.py)
        application.add_handler(CommandHandler(name, _stop(command), once), -1)
    decision = CallbackQueryHandler(_stop(on_decision), pattern=DECISION_PATTERN)
    application.add_handler(decision, -1)
    chat_id = application.bot_data.staff_chat_id
    if chat_id is None:
        log.info("no staff chat configured: /ticket, /cancel and staff-chat replies are off")
        return
    staff_chat = DeskChats(chat_id)
    other_command = filters.COMMAND & ~filters.Regex(r"^/cancel(@\w+)?(\s|$)")
    application.add_handler(MessageHandler(staff_chat & other_command & once, drop_prompt), -2)
    application.add_handler(CommandHandler("ticket", _stop(ticket_command), staff_chat & once), -1)
    application.add_handler(CommandHandler("cancel", _stop(cancel_command), staff_chat & once), -1)
    residents_only = CommandHandler(RESIDENT_COMMANDS, _stop(resident_command), staff_chat & once)
    application.add_handler(residents_only, -1)
    application.add_handler(MessageHandler(staff_chat & ~filters.COMMAND, on_staff_message), -1)


BAN_COMMANDS = {"ban": ban_command, "unban": unban_command, "banned": banned_command}
"""Staff stop a resident from asking and filing (handlers/staff/bans.py)."""

RESIDENT_COMMANDS = ("complain", "mytickets", "followup")
"""Resident commands, which work in a private chat only: in the staff chat, say so."""


async def resident_command(update: Update, context: Context) -> None:
    await reply(update, t(staff_language(context), "staff.resident_command"))


def _stop(callback: Callable[[Update, Context], Any]) -> Callback:
    async def handled(update: Update, context: Context) -> None:
        await callback(update, context)
        raise ApplicationHandlerStop

    return handled


async def on_staff_message(update: Update, context: Context) -> None:
    """A message in the staff chat: a reject reason or a reply someone was asked for, a reply
    to a card (to the resident), or staff talk."""
    message, user = update.message, update.effective_user
    if message is None or user is None or user.is_bot:
        raise ApplicationHandlerStop  # edits and service messages: nothing to do
    # Seen at the desk: their Telegram name is recorded, so cards and lists name them.
    await identify(update, context)
    replied = message.reply_to_message
    if replied is not None and replied.message_id == message.message_thread_id:
        replied = None  # in a forum topic, every message "replies" to the topic's first one
    replied_to = None if replied is None else replied.message_id
    tickets = context.services.tickets
    prompt = await tickets.prompts.take(Actor(user.id, message.chat_id), replied_to)
    if prompt is not None:
        # Answered by this message: the prompt's canned texts go, or a press on one later
        # would send the resident a second answer nobody meant.
        await drop_buttons(context, message.chat_id, prompt.prompt_message_id)
    # The card the message answers shows the ticket's new status afterwards, as after a
    # press: the card replied to, or the one the prompt was asked under.
    card = None if prompt is None else card_of_prompt(context, prompt.prompt_message_id)
    if prompt is not None and prompt.action == "reply" and message.photo:
        done = await _photo(update, context, prompt.number)
    elif prompt is not None:
        acted = await _message_action(
            update, context, prompt.number, prompt.action, message.text, prompted=True
        )
        if isinstance(acted, Refused) and acted.retype:
            # The text was refused, not the action: the prompt stays open for the next try.
            await _keep_prompt(update, context, prompt, card)
        done = None if isinstance(acted, Refused) else acted
    elif (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
    ):
        card = replied
        number = ticket_in_first_line(replied.text or replied.caption)
        if message.photo:
            done = await _photo(update, context, number)
        else:
            acted = await _message_action(update, context, number, "reply", message.text)
            done = None if isinstance(acted, Refused) else acted
    else:
        done = None
    if done is not None and is_card(card):
        await refresh(context, staff_language(context), card, done)
    raise ApplicationHandlerStop


async def _photo(update: Update, context: Context, number: str | None) -> StaffTicketView | None:
    """A photo for the resident (before/after, typically after resolving), its caption as
    the message: the largest size Telegram offers is sent on. The ticket as it is now, or
    None when nothing was sent."""
    message = update.message
    caller = await identify(update, context)
    if message is None or caller is None or not message.photo:
        return None
    language = staff_language(context)
    if not is_staff(caller):
        await reply(update, t(caller.language, "staff.only"))
        return None
    if number is None:
        await reply(update, t(language, "staff.which_ticket"))
        return None
    file_id = message.photo[-1].file_id
    call = context.services.tickets.staff.send_photo(caller.actor, number, file_id, message.caption)
    outcome = await attempt(language, number, "reply", call)
    if isinstance(outcome, Refused):
        await reply(update, outcome.text)
        return None
    await reply(update, await done_text(context, language, "photo", outcome))
    return outcome


async def _message_action(
    update: Update,
    context: Context,
    number: str | None,
    action: str,
    text: str | None,
    *,
    prompted: bool = False,
) -> StaffTicketView | Refused | None:
    """Reject with ``text`` as the reason, or reply with it to the resident. The ticket as
    it is now, the service's refusal (said already), or None when nothing was tried.
    ``prompted``: the text answers a prompt, which stays open when only the text was
    refused, and the refusal says so."""
    caller = await identify(update, context)
    if caller is None:
        return None
    language = staff_language(context)
    if not is_staff(caller):
        await reply(update, t(caller.language, "staff.only"))
        return None
    if number is None:  # a reply to a message of linli's that is about no one ticket
        await reply(update, t(language, "staff.which_ticket"))
        return None
    if not text:
        await reply(update, t(language, "staff.text_only"))
        return None
    act = ACTS[action]
    tickets = context.services.tickets
    outcome = await attempt(
        language, number, action, act.call(tickets.staff, caller.actor, number, text)
    )
    if isinstance(outcome, Refused):
        retype = prompted and outcome.retype
        await reply(
            update, f"{outcome.text}\n{t(language, 'staff.retype')}" if retype else outcome.text
        )
        return outcome
    done = await done_text(context, language, action, outcome)
    await reply(update, await with_summary_hint(update, context, language, action, number, done))
    return outcome


async def _keep_prompt(
    update: Update, context: Context, prompt: DeskPromptView, card: Message | None
) -> None:
    """Open the prompt again for its text's sender, under the same card."""
    caller = await identify(update, context)
    if caller is None:
        return
    reopened = context.services.tickets.prompts.open(
        caller.actor, prompt.number, prompt.prompt_message_id, prompt.action
    )
    kept = await attempt(staff_language(context), prompt.number, prompt.action, reopened)
    if card is not None and not isinstance(kept, Refused):  # refused: no longer at the desk
        remember_card(context, prompt.prompt_message_id, card)


async def drop_prompt(update: Update, context: Context) -> None:
    """Any other command from someone with an open reject prompt drops it (and says so), so
    that their next chat message is not sent to a resident as a rejection reason; the
    command itself then runs as usual (group -1)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    dropped = await context.services.tickets.prompts.cancel(Actor(user.id, chat.id))
    if dropped is not None:
        await drop_buttons(context, chat.id, dropped.prompt_message_id)
        text = t(staff_language(context), f"staff.{dropped.action}.dropped", number=dropped.number)
        await reply(update, text)


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel in the staff chat: drop the caller's reject prompt."""
    chat = update.effective_chat
    caller = await identify(update, context)
    if chat is None or caller is None:
        return
    language = staff_language(context)
    tickets = context.services.tickets
    cancelled = await tickets.prompts.cancel(caller.actor)
    if cancelled is None:
        await reply(update, t(language, "staff.nothing_to_cancel"))
    else:
        await drop_buttons(context, chat.id, cancelled.prompt_message_id)
        key = f"staff.{cancelled.action}.cancelled"
        await reply(update, t(language, key, number=cancelled.number))
