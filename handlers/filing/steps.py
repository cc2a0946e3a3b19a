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
from services.tickets.typed_answers import says_none
from services.tickets.validation import (
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_PHOTOS,
    MIN_DESCRIPTION,
    has_words,
)


async def ask(
    update: Update,
    caller: Caller,
    draft: DraftView,
    context: Context | None = None,
    *,
    said: str = "",
) -> None:
    """Ask the draft's current question (with ``context``, the place step offers where the
    resident lives), after ``said`` if given."""
    home = await home_of(context, update) if context and draft.step == "location" else None
    text, keyboard = prompt(caller.language, draft, home)
    await reply(update, f"{said}\n\n{text}" if said else text, keyboard)


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
    *,
    kept: str = "",
    **params: object,
) -> None:
    """Refuse the input with ``key``'s explanation and repeat the step's buttons (at the
    place, with ``home`` offered). ``kept``: what of the message was kept all the same (a
    photo), said first."""
    _text, keyboard = prompt(caller.language, draft, home)
    explanation = t(caller.language, key, **params)
    await reply(update, f"{kept}\n{explanation}" if kept else explanation, keyboard)


async def on_message(update: Update, context: Context, owed: AwaitingView) -> bool:
    """The answer to the draft's current step; False when there is no draft any more."""
    message, actor = update.message, actor_of(update)
    if message is None or actor is None:
        return False
    draft = await context.services.tickets.filing.get_draft(actor)
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
        elif draft.step == "category" and message.text:
            await _words_first(update, context, caller, draft, message.text)
        else:  # category, anonymous, confirm: answered with buttons
            await _again(update, caller, draft, f"filing.use_buttons.{draft.step}")
    except NotFound:  # the draft expired between reading it and writing to it
        await release(context, uid, Owed.FILING)
        await reply(update, t(caller.language, "filing.no_draft"))
    return True


async def _save(
    update: Update, context: Context, caller: Caller, *, said: str = "", **fields: Any
) -> None:
    """Save the step's answer and ask the next question (after ``said``, if any)."""
    draft = await context.services.tickets.filing.update_draft(caller.actor, **fields)
    await ask(update, caller, draft, context, said=said)


def _photo_of(m: Message, d: DraftView) -> dict[str, str]:
    """``add_photo`` for a photo sent ahead of its step (with the words of a complaint, or
    an album's next picture) while the draft has room for it; otherwise nothing."""
    if not m.photo or len(d.photos) >= MAX_PHOTOS:
        return {}
    return {"add_photo": m.photo[-1].file_id}  # the largest size


async def _keep_photo(
    context: Context, caller: Caller, d: DraftView, photo: dict[str, str]
) -> tuple[DraftView, str]:
    """Keep the photo (if any) that came with an answer the step refused: the draft as it
    now is, and the line that says so ("" when there was none)."""
    if not photo:
        return d, ""
    filing = context.services.tickets.filing
    draft = await filing.update_draft(caller.actor, **photo)
    kept = t(caller.language, "filing.photo_kept", count=len(draft.photos), max=MAX_PHOTOS)
    return draft, kept


async def _description(
    update: Update, context: Context, caller: Caller, d: DraftView, m: Message
) -> None:
    # A photo is taken here too, its caption as the description: residents often start
    # with a picture of the problem, or an album with a few words under it.
    words, photo = m.text or m.caption, _photo_of(m, d)
    if not words:
        if not photo:
            key = "filing.photos_full" if m.photo else "filing.need_text"
            await _again(update, caller, d, key, max=MAX_PHOTOS)
            return
        draft, kept = await _keep_photo(context, caller, d, photo)
        await _again(update, caller, draft, "filing.need_text_too", kept=kept)
        return
    # A photo past the fifth cannot be kept: the description is, and the resident is told.
    full = t(caller.language, "filing.photos_full", max=MAX_PHOTOS) if m.photo and not photo else ""
    try:
        await _save(
            update, context, caller, description=words, step=next_step(d, d.step), said=full,
            **photo,
        )  # fmt: skip
    except InvalidInput:
        draft, kept = await _keep_photo(context, caller, d, photo)
        length = len(words.strip())
        if length > MAX_DESCRIPTION:
            await _again(
                update, caller, draft, "filing.too_long", kept=kept, length=length,
                max=MAX_DESCRIPTION,
            )  # fmt: skip
        elif length >= MIN_DESCRIPTION and not has_words(words):
            await _again(update, caller, draft, "filing.no_words", kept=kept)
        else:
            await _again(update, caller, draft, "filing.too_short", kept=kept, length=length)


async def _words_first(
    update: Update, context: Context, caller: Caller, d: DraftView, words: str
) -> None:
    """Words typed while the category is asked are usually the complaint itself ("楼下烧烤
    店油烟太大了"): kept as the description (a second message adds to it), the category is
    asked for them, and the description step is then passed over (prompts.next_step).
    Too short to be a description ("噪音"), they rather name a category: the buttons."""
    field: dict[str, Any] = {"add_to_description" if d.description else "description": words}
    try:
        await context.services.tickets.filing.update_draft(caller.actor, **field)
    except InvalidInput:
        await _again(update, caller, d, "filing.use_buttons.category")
        return
    await _again(update, caller, d, "filing.words_kept")


async def _location(
    update: Update, context: Context, caller: Caller, d: DraftView, m: Message
) -> None:
    # A photo here (an album's next picture, a picture of the place) is kept, its caption
    # taken as the place; without one, the place is asked again.
    step, photo = next_step(d, d.step), _photo_of(m, d)
    words = m.text or m.caption
    try:
        if m.location is not None:
            where = (m.location.latitude, m.location.longitude)
            await _save(update, context, caller, location=where, step=step)
            return
        if words:
            await _save(update, context, caller, location_text=words, step=step, **photo)
            return
        key = "filing.need_place"
    except InvalidInput:
        too_long = words is not None and len(words.strip()) > MAX_LOCATION
        key = "filing.bad_place" if too_long else "filing.need_place"
    draft, kept = await _keep_photo(context, caller, d, photo)
    await _again(update, caller, draft, key, await home_of(context, update), kept=kept)


async def _photo(
    update: Update, context: Context, caller: Caller, d: DraftView, m: Message
) -> None:
    if m.text and says_none(m.text):  # 没有 / 不用: as the button below says
        await _save(update, context, caller, step=next_step(d, d.step))
        return
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
    # The last one moves on to the next step, in the same message.
    fields: dict[str, Any] = {"add_photo": m.photo[-1].file_id}  # the largest size
    if count == MAX_PHOTOS:
        fields["step"] = next_step(d, d.step)
    draft, words = await _photo_with_words(context, caller, fields, m.caption)
    text, keyboard = prompt(caller.language, draft)
    if count == MAX_PHOTOS:
        said = t(caller.language, "filing.photos_full", max=MAX_PHOTOS)
    else:
        said = t(caller.language, "filing.photo_received", count=count, max=MAX_PHOTOS)
    if words:
        said = f"{said}\n{t(caller.language, words, max=MAX_DESCRIPTION)}"
    await reply(update, f"{said}\n\n{text}" if count == MAX_PHOTOS else said, keyboard)


async def _photo_with_words(
    context: Context, caller: Caller, fields: dict[str, Any], caption: str | None
) -> tuple[DraftView, str]:
    """Save a photo, with its caption added to the description (a resident who writes on a
    photo means it for staff); the catalog key that says what became of the words."""
    filing, me = context.services.tickets.filing, caller.actor
    if not caption or not caption.strip():
        return await filing.update_draft(me, **fields), ""
    try:
        draft = await filing.update_draft(me, add_to_description=caption, **fields)
        return draft, "filing.photo_words_added"
    except InvalidInput:  # the description would be too long: the photo is kept all the same
        return await filing.update_draft(me, **fields), "filing.photo_words_too_long"


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
    if m.contact is None and says_none(number):  # 不留 / 没有: as the skip button says
        await _save(update, context, caller, phone=None, step=next_step(d, d.step))
        return
    try:
        await _save(update, context, caller, phone=number, step=next_step(d, d.step))
    except InvalidInput:
        await _again(update, caller, d, "filing.bad_phone")
