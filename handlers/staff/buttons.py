"""The staff card's buttons: tk:<accept|reply|resolve|reject|assign>:<ticket id>.

Accept and resolve act at once; reply and reject take the staff member's next message (or
anyone's reply to the prompt) as the reply or the reason (desk.py reads it; the ticket
service keeps the open prompt, so it survives a restart, and /cancel drops it); assign lists the
staff as tk:assignto:<ticket id>:<position>:<roster version> (no Telegram ids in button
data: the service maps the position back and refuses a list that has changed). Every press
is answered; a press the ticket's status no longer allows (a double press) is answered with
the reason and changes nothing. The pressed message shows the new status.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from handlers.callbacks import Callback, encode, int_arg
from handlers.context import Context
from handlers.i18n import t
from handlers.people import identify
from handlers.replies import reply
from handlers.staff.canned_keyboard import canned_keyboard
from handlers.staff.commands import done_text
from handlers.staff.common import (
    Refused,
    assignee_name,
    attempt,
    desk_press,
    in_staff_chat,
    is_staff,
    staff_language,
)
from handlers.staff.render import card_keyboard, status_line, ticket_in_first_line, with_status
from handlers.staff.summary import with_summary_hint
from services.access import Actor
from services.tickets import StaffTicketView, lifecycle
from services.tickets.lifecycle import Action

log = logging.getLogger("linli.staff")
PATTERN = r"^tk:(accept|reply|resolve|reject|assign|assignto):"
_MAX_CAPTION = 1024


async def on_button(update: Update, context: Context) -> None:
    """tk:<action>:<ticket id>[:<telegram id>] on a card, a prompt or the assign list."""
    press = await desk_press(update, context)
    if press is None:
        return
    query, caller, cb, ticket_id = press.query, press.caller, press.callback, press.ticket_id
    language = staff_language(context) if is_staff(caller) else caller.language
    if cb is None or ticket_id is None:  # not an id linli could have made
        await query.answer(t(language, "stale_button"), show_alert=True)
        return
    if not in_staff_chat(update, context):  # a card's button pressed (or forged) elsewhere
        await query.answer(t(language, "staff.use_staff_chat"), show_alert=True)
        return
    tickets = context.services.tickets
    lookup = tickets.staff.get_ticket_for_staff_by_id(caller.actor, ticket_id)
    view = await attempt(language, str(ticket_id), cb.args[0], lookup)
    if isinstance(view, Refused):
        await query.answer(view.text, show_alert=True)
        return
    await _PRESSES[cb.args[0]](update, context, language, view, cb)


async def _change(
    update: Update, context: Context, language: str, view: StaffTicketView, action: str
) -> StaffTicketView | None:
    """Accept or resolve from a button; answers the press and updates the card."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tickets = context.services.tickets
    actor = Actor(update.effective_user.id, query.message.chat.id if query.message else 0)
    call = (
        tickets.staff.accept(actor, view.number)
        if action == "accept"
        else tickets.staff.resolve(actor, view.number)
    )
    outcome = await attempt(language, view.number, action, call)
    if isinstance(outcome, Refused):
        await query.answer(outcome.text, show_alert=True)
        return None
    await query.answer(await done_text(context, language, action, outcome))
    await refresh(context, language, query.message, outcome)
    return outcome


async def _accept(u: Update, c: Context, lang: str, view: StaffTicketView, cb: Callback) -> None:
    await _change(u, c, lang, view, "accept")


async def _resolve(u: Update, c: Context, lang: str, view: StaffTicketView, cb: Callback) -> None:
    # One press resolves (the common case); a note for the resident is a reply to the
    # follow-up, which is a ticket message, so it needs no state.
    outcome = await _change(u, c, lang, view, "resolve")
    # Erased with /forget: no resident to add a word or a photo for (the answer said so).
    if outcome is not None and not outcome.resident_unreachable:
        on_behalf = "_on_behalf" if view.channel != "telegram" else ""  # 代录: no rating asked
        followup = t(lang, f"staff.resolved.followup{on_behalf}", number=view.number)
        text, picks = await _with_canned(u, c, lang, view, "resolve", followup)
        await _say_under_card(
            u, await with_summary_hint(u, c, lang, "resolve", view.number, text), picks
        )


async def _allowed(view: StaffTicketView, action: str) -> StaffTicketView:
    lifecycle.check(view.number, Action(action), view.status)
    return view


async def _prompt(
    update: Update,
    language: str,
    view: StaffTicketView,
    action: str,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Ask for what an action needs, if the ticket's status allows the action at all."""
    query = update.callback_query
    assert query is not None
    allowed = await attempt(language, view.number, action, _allowed(view, action))
    if isinstance(allowed, Refused):
        await query.answer(allowed.text, show_alert=True)
        return None
    await query.answer()
    return await _say_under_card(update, text, keyboard)


async def _reply(u: Update, c: Context, lang: str, view: StaffTicketView, cb: Callback) -> None:
    await _ask_for_text(u, c, lang, view, "reply")


async def _reject(u: Update, c: Context, lang: str, view: StaffTicketView, cb: Callback) -> None:
    await _ask_for_text(u, c, lang, view, "reject")


async def _ask_for_text(
    u: Update, c: Context, lang: str, view: StaffTicketView, action: str
) -> None:
    """Post the prompt under the card, and remember that the presser owes its text: their
    next message in the staff chat (or anyone's reply to the prompt) is the reply or reason."""
    asked = t(lang, f"staff.{action}.prompt", number=view.number)
    text, picks = await _with_canned(u, c, lang, view, action, asked)
    prompt = await _prompt(u, lang, view, action, text, picks)
    if prompt is None:
        return
    caller = await identify(u, c)
    assert caller is not None  # on_button identified them already
    call = c.services.tickets.prompts.open(caller.actor, view.number, prompt.message_id, action)
    opened = await attempt(lang, view.number, action, call)
    if isinstance(opened, Refused):  # the press was already answered: say it under the card
        await _say_under_card(u, opened.text)
        return
    assert u.callback_query is not None
    remember_card(c, prompt.message_id, u.callback_query.message)


async def _with_canned(
    u: Update, c: Context, lang: str, view: StaffTicketView, action: str, text: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The canned texts (常用语) for ``action`` as buttons under ``text``, which then says so."""
    caller = await identify(u, c)
    assert caller is not None  # on_button identified them already
    picks = await canned_keyboard(c, caller.actor, view.id, action)
    return (text if picks is None else f"{text}\n{t(lang, 'canned.pick_hint')}"), picks


async def _assign(u: Update, c: Context, lang: str, view: StaffTicketView, cb: Callback) -> None:
    query = u.callback_query
    assert query is not None
    allowed = await attempt(lang, view.number, "assign", _allowed(view, "assign"))
    if isinstance(allowed, Refused):
        await query.answer(allowed.text, show_alert=True)
        return
    caller = await identify(u, c)
    assert caller is not None  # on_button identified them already
    roster = await attempt(
        lang, view.number, "assign", c.services.tickets.staff.roster(caller.actor)
    )
    if isinstance(roster, Refused):
        await query.answer(roster.text, show_alert=True)
        return
    await query.answer()
    if not roster.names:
        await _say_under_card(u, t(lang, "staff.assign.nobody"))
        return
    rows = [
        [
            InlineKeyboardButton(
                name, callback_data=encode("tk", "assignto", view.id, i, roster.version)
            )
        ]
        for i, name in enumerate(roster.names)
    ]
    await _say_under_card(
        u, t(lang, "staff.assign.prompt", number=view.number), InlineKeyboardMarkup(rows)
    )


async def _assign_to(u: Update, c: Context, lang: str, view: StaffTicketView, cb: Callback) -> None:
    query, position = u.callback_query, int_arg(cb, 2)
    version = cb.args[3] if len(cb.args) > 3 else ""
    caller = await identify(u, c)
    assert query is not None and caller is not None
    if position is None or not version:
        await query.answer(t(lang, "stale_button"), show_alert=True)
        return
    call = c.services.tickets.staff.assign_picked(caller.actor, view.number, position, version)
    outcome = await attempt(lang, view.number, "assign", call)
    if isinstance(outcome, Refused):
        await query.answer(outcome.text, show_alert=True)
        return
    done = await done_text(c, lang, "assign", outcome)
    await query.answer(done)
    if isinstance(query.message, Message):
        await _edit(query.message, done, None)
        await refresh(c, lang, query.message.reply_to_message, outcome)


_PRESSES: dict[
    str, Callable[[Update, Context, str, StaffTicketView, Callback], Awaitable[None]]
] = {
    "accept": _accept,
    "resolve": _resolve,
    "reply": _reply,
    "reject": _reject,
    "assign": _assign,
    "assignto": _assign_to,
}


async def _say_under_card(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """A message answering the pressed card, in the card's topic."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        return await query.message.reply_text(text, reply_markup=keyboard, do_quote=True)
    return await reply(update, text, keyboard)


def is_card(message: Any) -> bool:
    """Whether ``message`` is a ticket's card with its buttons (not a follow-up, a prompt or
    a card whose ticket is closed)."""
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return False
    return any(
        isinstance(button.callback_data, str) and re.match(PATTERN, button.callback_data)
        for row in markup.inline_keyboard
        for button in row
    )


_PROMPT_CARDS = "desk.prompt_cards"
_CARDS_KEPT = 200


def remember_card(context: Context, prompt_message_id: int, card: Any) -> None:
    """Keep the card a reply or reject prompt was asked under (this process, this chat, the
    newest _CARDS_KEPT), so the card can show the new status once the text is typed."""
    if not is_card(card) or context.chat_data is None:
        return
    cards: OrderedDict[int, Message] = context.chat_data.setdefault(_PROMPT_CARDS, OrderedDict())
    cards[prompt_message_id] = card
    while len(cards) > _CARDS_KEPT:
        cards.popitem(last=False)


def card_of_prompt(context: Context, prompt_message_id: int) -> Message | None:
    """The card remembered for a prompt (forgotten now), or None: asked in another process
    or before a restart."""
    cards = (context.chat_data or {}).get(_PROMPT_CARDS)
    return None if cards is None else cards.pop(prompt_message_id, None)


async def refresh(context: Context, language: str, message: Any, view: StaffTicketView) -> None:
    """Show the ticket's new status (and the buttons still useful) on a ticket message."""
    if not isinstance(message, Message):
        return
    body = message.text or message.caption
    if not body or ticket_in_first_line(body) != view.number:
        return
    line = status_line(language, view, await assignee_name(context, view))
    await _edit(message, with_status(body, line), card_keyboard(language, view))


async def _edit(message: Message, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    try:
        if message.caption is None:
            await message.edit_text(text, reply_markup=keyboard)
        elif len(text) <= _MAX_CAPTION:
            await message.edit_caption(text, reply_markup=keyboard)
        else:
            await message.edit_reply_markup(keyboard)
    except BadRequest as exc:  # unchanged, or too old to edit: the answer already said it
        log.debug("could not update message %s: %s", message.message_id, exc.message)
