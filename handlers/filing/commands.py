"""/complain: the filing conversation, driven by the draft in the database.

Each step reads the draft, applies one change and asks the next question, so a restart in
the middle resumes exactly where the resident was. Buttons are "cp:…" (filing_prompts.py);
"ask:<query_id>" turns an unanswered question into an enquiry. Typed input during filing is
taken by filing_steps.py (handler group -1). Every call to the filing service carries the
caller's Actor: the service refuses any chat but the resident's private one (WrongPlace),
and a press from a group is answered here with where to file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import CallbackQuery, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from handlers.awaiting import claim, release
from handlers.callbacks import decode
from handlers.context import Context, LinliApp
from handlers.filing import enquiry
from handlers.filing import steps as filing_steps
from handlers.filing.prompts import edit_keyboard, next_step, prompt, similar_message
from handlers.filing.render import category_name, filed_text
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.questions.answers import tell_banned
from handlers.replies import reply, settle
from services import InvalidInput, NotFound
from services.access import WrongPlace
from services.residents.awaiting import AwaitingView, Owed
from services.residents.limits import Banned, TooManyRequests
from services.tickets import DraftView

T = TypeVar("T")
Button = Callable[[Update, Context, Caller, DraftView, tuple[str, ...]], Awaitable[None]]


def register(application: LinliApp) -> None:
    """/complain and the cp: and ask: buttons (typed input arrives by handlers/awaiting.py)."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("complain", complain_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^cp:"))
    application.add_handler(CallbackQueryHandler(enquiry.ask_person, pattern=r"^ask:"))


async def complain_command(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    if caller is not None:
        draft = await context.services.tickets.filing.get_draft(caller.actor)
        await start(update, context, caller, draft, None)


async def start(
    update: Update, context: Context, caller: Caller, draft: DraftView | None, category: str | None
) -> None:
    """Begin filing, or pick up ``draft``, the one the resident left unfinished."""
    tickets = context.services.tickets
    intro = "filing.resume"
    if draft is None:
        intro = "filing.intro"
        try:
            draft = await tickets.filing.start_draft(caller.actor)
        except Banned as refusal:
            await tell_banned(update, context, caller.language, refusal)
            return
        if category is not None:
            # A stale button naming a retired category: the resident chooses instead.
            with contextlib.suppress(InvalidInput):
                draft = await tickets.filing.update_draft(
                    caller.actor, category=category, step="description"
                )
    await claim(update, context, caller, Owed.FILING)
    home = await filing_steps.home_of(context, update) if draft.step == "location" else None
    text, keyboard = prompt(caller.language, draft, home)
    await reply(update, t(caller.language, intro) + "\n\n" + text, keyboard)


async def cancel_filing(
    update: Update, context: Context, caller: Caller, owed: AwaitingView | None = None
) -> bool:
    """/cancel while filing (and when nothing is owed: a draft left aside is dropped too)."""
    dropped = await context.services.tickets.filing.discard_draft(caller.actor)
    key = "filing.cancelled" if dropped else "filing.nothing_to_cancel"
    await reply(update, t(caller.language, key))
    return True


async def _answering(query: CallbackQuery, language: str, call: Awaitable[T]) -> T:
    """Await a press's first call to the filing service, then answer the press (it is
    answered once): with where to file when the service refused the chat (WrongPlace:
    filing happens in the resident's private chat, as it asks for a phone number, and a
    forwarded or forged button can be pressed in a group), otherwise with nothing. What the
    call returned or raised goes on to the handler; after WrongPlace it stops, nothing done."""
    try:
        result = await call
    except WrongPlace:
        await query.answer(t(language, "filing.private_only"), show_alert=True)
        raise
    except Exception:
        await query.answer()
        raise
    await query.answer()
    return result


async def on_button(update: Update, context: Context) -> None:
    """cp:… under the filing questions. The draft is read first: that also tells whether
    this chat is a place to file in."""
    query, caller = update.callback_query, await identify(update, context)
    if query is None or caller is None:
        return
    try:
        draft = await _answering(
            query, caller.language, context.services.tickets.filing.get_draft(caller.actor)
        )
    except WrongPlace:
        return
    cb = decode(query.data)
    if cb is None:  # not data linli made
        return
    action, args = (cb.args[0], cb.args[1:]) if cb.args else ("", ())
    if action == "new":
        await start(update, context, caller, draft, args[0] if args else None)
        return
    uid = caller.resident.telegram_id
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
            caller.actor, category=category, step=next_step(d, "category")
        )
    except InvalidInput:
        await filing_steps.stale(u, caller, d)
        return
    await settle(u, category_name(caller.language, category))
    # Words typed before the category are its description already: said, not asked again.
    kept = d.anonymous is None and bool(d.description)  # first time through only
    said = t(caller.language, "filing.words_used") if kept else ""
    await filing_steps.ask(u, caller, draft, c, said=said)


async def _skip(u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]) -> None:
    """ "Done"/"skip" under photos, "skip" under phone: move on (a skipped phone is none)."""
    tickets, me, step = c.services.tickets, caller.actor, next_step(d, d.step)
    if d.step == "phone":
        draft = await tickets.filing.update_draft(me, phone=None, step=step)
    else:
        draft = await tickets.filing.update_draft(me, step=step)
    await settle(u, t(caller.language, f"filing.settled.{d.step}", count=len(d.photos)))
    await filing_steps.ask(u, caller, draft)


async def _anonymous(
    u: Update, c: Context, caller: Caller, d: DraftView, args: tuple[str, ...]
) -> None:
    anonymous = args[:1] == ("1",)
    draft = await c.services.tickets.filing.update_draft(
        caller.actor, anonymous=anonymous, step="confirm"
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
        similar = await tickets.filing.similar_to_draft(caller.actor)
        if similar:
            await reply(u, *similar_message(lang, similar))
            return
    try:
        ticket = await tickets.filing.submit_draft(caller.actor)
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
    ticket = await tickets.filing.just_filed(caller.actor)
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
        await c.services.tickets.filing.follow_ticket(caller.actor, number, discard_draft=True)
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
            caller.actor, step=args[0], clear_photos=args[0] == "photos"
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
    await c.services.tickets.filing.discard_draft(caller.actor)
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
        caller.actor, location_text=home, step=next_step(d, "location")
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
