"""Typed input while filing: a description, a place, photos, a phone number.

Routed here by handlers/awaiting.py while the resident owes the draft's next step, so the
question path never sees these messages; commands are not taken, so /help or /cancel keep
working mid-filing. Whatever arrives, the resident gets a clear answer and the draft changes
only when the input is valid.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update

from handlers.awaiting import release
from handlers.context import Context
from handlers.filing.prompts import next_step, prompt
from handlers.i18n import t
from handlers.people import Caller, actor_of, identify
from handlers.replies import reply
from services import InvalidInput, NotFound
from services.residents.awaiting import AwaitingView, Owed
from services.tickets import DraftView
from services.tickets.validation import (
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_PHOTOS,
    MIN_DESCRIPTION,
    has_words,
)


async def ask(
    update: Update, caller: Caller, draft: DraftView, context: Context | None = None
) -> None:
    """Ask the draft's current question (with ``context``, the place step offers where the
    resident lives)."""
    home = await home_of(context, update) if context and draft.step == "location" else None
    await reply(update, *prompt(caller.language, draft, home))


async def home_of(context: Context, update: Update) -> str | None:
    """Where the resident lives ("示例社区A 3号楼"), or None when they have not said."""
    actor = actor_of(update)
    if actor is None:
        return None
    return (await context.services.places.place(actor)).label or None


async def stale(update: Update, caller: Caller, draft: DraftView) -> None:
    """A button of a step already done (or not yet reached): say where we are instead."""
    text, keyboard = prompt(caller.language, draft)
    await reply(update, t(caller.language, "filing.stale") + "\n\n" + text, keyboard)


async def _again(
    update: Update,
    caller: Caller,
    draft: DraftView,
    key: str,
    home: str | None = None,
    **params: object,
) -> None:
    """Refuse the input with ``key``'s explanation and repeat the step's buttons (at the
    place, with ``home`` offered)."""
    _text, keyboard = prompt(caller.language, draft, home)
    await reply(update, t(caller.language, key, **params), keyboard)


async def on_message(update: Update, context: Context, owed: AwaitingView) -> bool:
    """The answer to the draft's current step; False when there is no draft any more."""
    message, user = update.message, update.effective_user
    if message is None or user is None:
        return False
    draft = await context.services.tickets.filing.get_draft(user.id)
    # An address is written as it is in China, in Chinese: it says nothing about the
    # resident's own language (an English resident's next steps stay in English).
    caller = await identify(
        update, context, text_is_for_others=draft is not None and draft.step == "location"
    )
    if caller is None:
        return False
    uid = caller.resident.telegram_id
    if draft is None:  # expired or filed: an ordinary message
        await release(context, uid, Owed.FILING)
        return False
    try:
        if draft.step == "description":
            await _description(update, context, caller, draft, message)
        elif draft.step == "location":
            await _location(update, context, caller, draft, message)
        elif draft.step == "photos":
            await _photo(update, context, caller, draft, message)
        elif draft.step == "phone":
            await _phone(update, context, caller, draft, message)
        else:  # category, anonymous, confirm: answered with buttons
            await _again(update, caller, draft, f"filing.use_buttons.{draft.step}")
    except NotFound:  # the draft expired between reading it and writing to it
        await release(context, uid, Owed.FILING)
        await reply(update, t(caller.language, "filing.no_draft"))
    return True


async def _save(update: Update, context: Context, caller: Caller, **fields: Any) -> None:
    draft = await context.services.tickets.filing.update_draft(
        caller.resident.telegram_id, **fields
    )
    await ask(update, caller, draft, context)


async def _description(
    update: Update, context: Context, caller: Caller, d: DraftView, m: Message
) -> None:
    if not m.text:
        await _again(update, caller, d, "filing.need_text")
        return
    try:
        await _save(update, context, caller, description=m.text, step=next_step(d, d.step))
    except InvalidInput:
        length = len(m.text.strip())
        if length > MAX_DESCRIPTION:
            await _again(update, caller, d, "filing.too_long", length=length, max=MAX_DESCRIPTION)
        elif length >= MIN_DESCRIPTION and not has_words(m.text):
            await _again(update, caller, d, "filing.no_words")
        else:
            await _again(update, caller, d, "filing.too_short", length=length)


async def _location(
    update: Update, context: Context, caller: Caller, d: DraftView, m: Message
) -> None:
    step = next_step(d, d.step)
    try:
        if m.location is not None:
            where = (m.location.latitude, m.location.longitude)
            await _save(update, context, caller, location=where, step=step)
        elif m.text:
            await _save(update, context, caller, location_text=m.text, step=step)
        else:
            await _again(update, caller, d, "filing.need_place", await home_of(context, update))
    except InvalidInput:
        too_long = m.text is not None and len(m.text.strip()) > MAX_LOCATION
        key = "filing.bad_place" if too_long else "filing.need_place"
        await _again(update, caller, d, key, await home_of(context, update))


async def _photo(
    update: Update, context: Context, caller: Caller, d: DraftView, m: Message
) -> None:
    if not m.photo:
        is_image_file = m.document is not None and (m.document.mime_type or "").startswith("image/")
        await _again(
            update, caller, d, "filing.photo_as_file" if is_image_file else "filing.not_a_photo"
        )
        return
    count = len(d.photos) + 1
    if count > MAX_PHOTOS:
        await _again(update, caller, d, "filing.photos_full", max=MAX_PHOTOS)
        return
    file_id = m.photo[-1].file_id  # the largest size
    filing = context.services.tickets.filing
    if count == MAX_PHOTOS:  # the last one: on to the next step, in the same message
        draft = await filing.update_draft(
            caller.resident.telegram_id, add_photo=file_id, step=next_step(d, d.step)
        )
        text, keyboard = prompt(caller.language, draft)
        full = t(caller.language, "filing.photos_full", max=MAX_PHOTOS)
        await reply(update, f"{full}\n\n{text}", keyboard)
        return
    draft = await filing.update_draft(caller.resident.telegram_id, add_photo=file_id)
    _text, keyboard = prompt(caller.language, draft)
    received = t(caller.language, "filing.photo_received", count=count, max=MAX_PHOTOS)
    await reply(update, received, keyboard)


async def _phone(
    update: Update, context: Context, caller: Caller, d: DraftView, m: Message
) -> None:
    number = m.contact.phone_number if m.contact is not None else m.text
    if m.photo and len(d.photos) >= MAX_PHOTOS:
        await _again(update, caller, d, "filing.photos_full", max=MAX_PHOTOS)
        return
    if not number:  # a photo, a voice message, a sticker: not a wrong number
        await _again(update, caller, d, "filing.phone_as_text")
        return
    try:
        await _save(update, context, caller, phone=number, step=next_step(d, d.step))
    except InvalidInput:
        await _again(update, caller, d, "filing.bad_phone")
