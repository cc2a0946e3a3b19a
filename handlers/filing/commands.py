"""/complain: the filing conversation, driven by the draft in the database.

Each step reads the draft, applies one change and asks the next question, so a restart in
the middle resumes exactly where the resident was. Buttons are "cp:…" (filing_prompts.py);
"ask:<query_id>" turns an unanswered question into an enquiry. Typed input during filing is
taken by filing_steps.py (handler group -1).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from handlers.awaiting import claim, release
from handlers.callbacks import int_arg
from handlers.context import Context, LinliApp
from handlers.filing import steps as filing_steps
from handlers.filing.prompts import edit_keyboard, next_step, prompt, similar_message
from handlers.filing.render import category_name, filed_text
from handlers.guards import pressed
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.questions.answers import tell_banned
from handlers.render import when
from handlers.replies import reply, settle
from services import InvalidInput, NotFound
from services.residents.awaiting import AwaitingView, Owed
from services.residents.limits import Banned, TooManyRequests
from services.tickets import DraftView

Button = Callable[[Update, Context, Caller, DraftView, tuple[str, ...]], Awaitable[None]]


def register(application: LinliApp) -> None:
    """/complain and the cp: and ask: buttons (typed input arrives by handlers/awaiting.py)."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("complain", complain_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^cp:"))
    application.add_handler(CallbackQueryHandler(ask_person, pattern=r"^ask:"))


async def complain_command(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    if caller is not None:
        await start(update, context, caller, None)


async def start(update: Update, context: Context, caller: Caller, category: str | None) -> None:
    """Begin filing, or pick up the unfinished draft where the resident left it."""
    tickets = context.services.tickets
    uid = caller.resident.telegram_id
    draft = await tickets.filing.get_draft(uid)
    intro = "filing.resume"
    if draft is None:
        intro = "filing.intro"
        try:
            draft = await tickets.filing.start_draft(uid)
        except Banned as refusal:
            await tell_banned(update, context, caller.language, refusal)
            return
        if category is not None:
            # A stale button naming a retired category: the resident chooses instead.
            with contextlib.suppress(InvalidInput):
                draft = await tickets.filing.update_draft(
                    uid, category=category, step="description"
                )
    await claim(update, context, caller, Owed.FILING)
    home = await filing_steps.home_of(context, update) if draft.step == "location" else None
    text, keyboard = prompt(caller.language, draft, home)
    await reply(update, t(caller.language, intro) + "\n\n" + text, keyboard)


async def cancel_filing(
    update: Update, context: Context, caller: Caller, owed: AwaitingView | None = None
) -> bool:
    """/cancel while filing (and when nothing is owed: a draft left aside is dropped too)."""
    dropped = await context.services.tickets.filing.discard_draft(caller.resident.telegram_id)
    key = "filing.cancelled" if dropped else "filing.nothing_to_cancel"
    await reply(update, t(caller.language, key))
    return True


async def _private_press(update: Update, context: Context) -> bool:
    """Filing happens in the resident's private chat (it asks for a phone number); a press
    from a group, which a forged or forwarded button could make, is refused there."""
    chat, query = update.effective_chat, update.callback_query
    if chat is None or query is None or chat.type == ChatType.PRIVATE:
        return chat is not None and query is not None
    caller = await identify(update, context)
    language = caller.language if caller is not None else "zh-Hans"
    await query.answer(t(language, "filing.private_only"), show_alert=True)
    return False


async def on_button(update: Update, context: Context) -> None:
    if not await _private_press(update, context):
        return
    press = await pressed(update, context)
    if press is None:
        return
    cb, caller = press.callback, press.caller
    action, args = (cb.args[0], cb.args[1:]) if cb.args else ("", ())
    if action == "new":
        await start(update, context, caller, args[0] if args else None)
        return
    uid = caller.resident.telegram_id
    draft = await context.services.tickets.filing.get_draft(uid)
    if draft is None:
        await release(context, uid, Owed.FILING)
        if action in ("submit", "force"):
            await _already_filed(update, context, caller)
        else:
            await reply(update, t(caller.language, "filing.no_draft"))
        return
    step, handler = _BUTTONS.get(action, ("", None))
    # A button of the draft brings its typed steps back from any other flow.
    await claim(update, context, caller, Owed.FILING)
    if handler is None or (step and draft.step != step):
        await filing_steps.stale(update, caller, draft)
        return
    await handler(update, context, caller, draft, args)


async def _category(
    u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]
) -> None:
    category = args[0] if args else ""
    try:
        draft = await c.services.tickets.filing.update_draft(
            caller.resident.telegram_id, category=category, step=next_step(d, "category")
        )
    except InvalidInput:
        await filing_steps.stale(u, caller, d)
        return
    await settle(u, category_name(caller.language, category))
    await filing_steps.ask(u, caller, draft)


async def _skip(u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]) -> None:
    """ "Done"/"skip" under photos, "skip" under phone: move on (a skipped phone is none)."""
    tickets, uid, step = c.services.tickets, caller.resident.telegram_id, next_step(d, d.step)
    if d.step == "phone":
        draft = await tickets.filing.update_draft(uid, phone=None, step=step)
    else:
        draft = await tickets.filing.update_draft(uid, step=step)
    await settle(u, t(caller.language, f"filing.settled.{d.step}", count=len(d.photos)))
    await filing_steps.ask(u, caller, draft)


async def _anonymous(
    u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]
) -> None:
    anonymous = args[:1] == ("1",)
    draft = await c.services.tickets.filing.update_draft(
        caller.resident.telegram_id, anonymous=anonymous, step="confirm"
    )
    await settle(u, t(caller.language, "filing.yes" if anonymous else "filing.no"))
    await filing_steps.ask(u, caller, draft)


async def _submit(
    u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]
) -> None:
    """ "Submit": first show similar open tickets, if there are any."""
    await _file(u, c, caller, d, check_similar=True)


async def _force(
    u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]
) -> None:
    """ "File mine anyway" under the similar tickets."""
    await _file(u, c, caller, d, check_similar=False)


async def _file(
    u: Update, c: Context, caller: Caller, d: DraftView, *, check_similar: bool
) -> None:
    tickets, lang = c.services.tickets, caller.language
    if check_similar:
        similar = await tickets.filing.similar_to_draft(caller.resident.telegram_id)
        if similar:
            await reply(u, *similar_message(lang, similar))
            return
    try:
        ticket = await tickets.filing.submit_draft(caller.resident.telegram_id)
    except Banned as refusal:
        await tell_banned(u, c, lang, refusal)
        return
    except TooManyRequests as limit:  # the draft stays: they submit it later
        minutes = max(1, round(limit.wait.total_seconds() / 60))
        await reply(u, t(lang, "filing.slow_down", minutes=minutes))
        return
    except NotFound:
        await _already_filed(u, c, caller)
        return
    except InvalidInput:  # an edit emptied a required part: ask for what is missing
        await filing_steps.ask(u, caller, d)
        return
    await release(c, caller.resident.telegram_id, Owed.FILING)
    await settle(u, t(lang, "filing.settled.submitted"))
    await reply(u, filed_text(lang, ticket, tickets.timezone))


async def _already_filed(update: Update, context: Context, caller: Caller) -> None:
    """Submit pressed again: the ticket it made (a reply lost to a crash), or why not."""
    tickets, lang = context.services.tickets, caller.language
    ticket = await tickets.filing.just_filed(caller.resident.telegram_id)
    if ticket is None:
        await reply(update, t(lang, "filing.already_filed"))
        return
    text = t(lang, "filing.filed_before") + "\n\n" + filed_text(lang, ticket, tickets.timezone)
    await reply(update, text)


async def _follow(
    u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]
) -> None:
    number, lang = (args[0] if args else ""), caller.language
    try:
        await c.services.tickets.filing.follow_ticket(
            caller.resident.telegram_id, number, discard_draft=True
        )
    except (NotFound, InvalidInput):
        await reply(u, t(lang, "filing.cannot_follow", number=number))
        return
    await release(c, caller.resident.telegram_id, Owed.FILING)
    await settle(u, t(lang, "filing.settled.followed", number=number))
    await reply(u, t(lang, "filing.following", number=number))


async def _edit(u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]) -> None:
    """ "Edit": choose a part; then ask that step again (photos start over)."""
    if not args:
        await reply(u, t(caller.language, "filing.edit_which"), edit_keyboard(caller.language))
        return
    try:
        draft = await c.services.tickets.filing.update_draft(
            caller.resident.telegram_id, step=args[0], clear_photos=args[0] == "photos"
        )
    except InvalidInput:
        draft = d
    else:  # the part chosen: the list of parts has done its work
        key = "filing.button.back" if args[0] == "confirm" else f"filing.field.{args[0]}"
        await settle(u, t(caller.language, key))
    await filing_steps.ask(u, caller, draft, c)


async def _cancel(
    u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]
) -> None:
    await c.services.tickets.filing.discard_draft(caller.resident.telegram_id)
    await release(c, caller.resident.telegram_id, Owed.FILING)
    await settle(u, t(caller.language, "filing.settled.cancelled"))
    await reply(u, t(caller.language, "filing.cancelled"))


async def _home(u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]) -> None:
    """The place is where the resident lives (/profile): one tap instead of typing it."""
    home = await filing_steps.home_of(c, u)
    if home is None:  # cleared since the button was shown
        await filing_steps.ask(u, caller, d, c)
        return
    draft = await c.services.tickets.filing.update_draft(
        caller.resident.telegram_id, location_text=home, step=next_step(d, "location")
    )
    await settle(u, home)
    await filing_steps.ask(u, caller, draft, c)


# action -> (the step the button belongs to, "" for any step; what it does)
_BUTTONS: dict[str, tuple[str, Button]] = {
    "cat": ("category", _category),
    "home": ("location", _home),
    "photos": ("photos", _skip),
    "phone": ("phone", _skip),
    "anon": ("anonymous", _anonymous),
    "submit": ("confirm", _submit),
    "force": ("confirm", _force),
    "follow": ("confirm", _follow),
    "edit": ("confirm", _edit),
    "cancel": ("", _cancel),
}


async def ask_person(update: Update, context: Context) -> None:
    """ "Ask a person" under an unanswered question: it becomes an enquiry ticket (once)."""
    if not await _private_press(update, context):
        return
    press = await pressed(update, context)
    if press is None:
        return
    cb, caller = press.callback, press.caller
    query_id = int_arg(cb, 0)
    tickets, lang = context.services.tickets, caller.language
    try:
        if query_id is None:
            raise NotFound("question")
        ticket, filed = await tickets.filing.file_enquiry_from_query(
            caller.resident.telegram_id, query_id
        )
    except (NotFound, InvalidInput):
        await reply(update, t(lang, "stale_button"))
        return
    except Banned as refusal:
        await tell_banned(update, context, lang, refusal)
        return
    due = when(lang, ticket.response_due_at, tickets.timezone)
    key = "enquiry.filed" if filed else "enquiry.already"
    await reply(update, t(lang, key, number=ticket.number, response_due=due))
