"""Typed input while an official composes a broadcast: the text (or a photo with its caption),
a topic, a community or building name, a sending time.

Routed here by handlers/awaiting.py while the official owes the notice's text or the answer
to a step, so the question path never sees these messages; commands are not taken, so /help
and /cancel work. Whatever arrives, the official gets a clear answer and the draft changes
only when the input is valid.
"""

from __future__ import annotations

from telegram import Message, Update

from handlers.awaiting import release
from handlers.broadcast.flow import (
    BUILDING,
    COMMUNITY,
    QUESTIONS,
    TIME,
    TOPIC,
    ask,
    example_send_time,
    refused,
    show_preview,
    step_owed,
)
from handlers.broadcast.render import find_topic, topic_list
from handlers.context import Context
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.replies import reply
from services.errors import ServiceError
from services.notices.audience_places import UnknownPlace, building_audience, community_audience
from services.notices.broadcasts import MAX_CAPTION, MAX_TEXT
from services.notices.send_time import SendTimeError, parse_send_at
from services.notices.views import Audience
from services.residents.awaiting import AwaitingView, Owed


async def on_message(update: Update, context: Context, owed: AwaitingView) -> bool:
    """The notice's text, or the answer to the step asked last; False when the draft is
    gone (sent, discarded or expired: an ordinary message then)."""
    # The notice, a name or a time is written for residents, usually in Chinese: it says
    # nothing about the official's own language, so every step keeps theirs.
    message = update.message
    caller = await identify(update, context, text_is_for_others=True)
    if message is None or caller is None:
        return False
    try:
        if owed.kind is Owed.BROADCAST_TEXT:
            await _text(update, context, caller, message)
        elif not await _answer(update, context, caller, message, owed.reference):
            return False
    except ServiceError as error:
        await refused(update, context, caller, error)
    return True


async def _answer(
    update: Update, context: Context, caller: Caller, message: Message, reference: str
) -> bool:
    """Take the answer to the question asked last; False when the draft is gone."""
    uid = caller.resident.telegram_id
    notice_id = await context.services.notices.open_draft(uid)
    asked = step_owed(reference)
    if notice_id is None or asked is None:
        await release(context, uid, Owed.BROADCAST)
        return False
    step, text = asked[1], message.text or ""
    if step == TOPIC:
        await _topic(update, context, caller, notice_id, text)
    elif step in (COMMUNITY, BUILDING):
        await _tag(update, context, caller, notice_id, step, text)
    elif step == TIME:
        await _time(update, context, caller, notice_id, text)
    elif step in QUESTIONS:  # answered with buttons: asked again, nothing taken as chosen
        await reply(update, t(caller.language, "broadcast.use_step_buttons"))
        await ask(update, context, caller, notice_id, step)
    else:  # the preview (or a step unknown after a restart)
        await show_preview(update, context, caller, notice_id, "broadcast.use_buttons")
    return True


async def _text(update: Update, context: Context, caller: Caller, message: Message) -> None:
    """The notice itself: text, or a photo with the text as its caption."""
    lang = caller.language
    photo = message.photo[-1].file_id if message.photo else None
    text = (message.caption if photo else message.text) or ""
    limit = MAX_CAPTION if photo else MAX_TEXT
    if not photo and not message.text:
        await reply(update, t(lang, "broadcast.text_or_photo"))
    elif not text.strip():
        await reply(update, t(lang, "broadcast.empty_caption" if photo else "broadcast.empty"))
    elif len(text.strip()) > limit:
        key = "broadcast.caption_too_long" if photo else "broadcast.too_long"
        await reply(update, t(lang, key, limit=limit, length=len(text.strip())))
    else:
        await start_draft(update, context, caller, text, photo)


async def start_draft(
    update: Update, context: Context, caller: Caller, text: str, photo: str | None
) -> None:
    """Create the draft from the text and go on to the audience."""
    uid = caller.resident.telegram_id
    notice = await context.services.notices.create_draft(uid, text, photo)
    # The text was /broadcast's first question: its next is the same flow, not another one
    # that the official would be told was put aside.
    await release(context, uid, Owed.BROADCAST_TEXT)
    await ask(update, context, caller, notice.id, "audience")


async def _topic(
    update: Update, context: Context, caller: Caller, notice_id: int, text: str
) -> None:
    topic = find_topic(text)
    if topic is None:
        names = topic_list(caller.language)
        await reply(update, t(caller.language, "broadcast.unknown_topic", text=text, names=names))
        await ask(update, context, caller, notice_id, TOPIC)
        return
    uid = caller.resident.telegram_id
    await context.services.notices.set_audience(uid, notice_id, Audience.topic(topic.id))
    await ask(update, context, caller, notice_id, "urgent")


async def _tag(
    update: Update, context: Context, caller: Caller, notice_id: int, kind: str, text: str
) -> None:
    name = text.strip()
    if not name or len(name) > 64:
        await reply(update, t(caller.language, "broadcast.bad_tag"))
        return
    try:
        audience = community_audience(name) if kind == COMMUNITY else building_audience(name)
    except UnknownPlace as unknown:
        names = "、".join(unknown.choices)
        await reply(update, t(caller.language, f"broadcast.unknown_{kind}", text=name, names=names))
        return
    await context.services.notices.set_audience(caller.resident.telegram_id, notice_id, audience)
    await ask(update, context, caller, notice_id, "urgent")


async def _time(
    update: Update, context: Context, caller: Caller, notice_id: int, text: str
) -> None:
    services = context.services
    try:
        send_at = parse_send_at(text, services.delivery.clock(), services.notices.tz)
    except SendTimeError as error:
        key, example = f"broadcast.time_{error.reason}", example_send_time(context)
        await reply(update, t(caller.language, key, text=text, example=example))
        return
    await services.notices.set_send_at(caller.resident.telegram_id, notice_id, send_at)
    await show_preview(update, context, caller, notice_id)
