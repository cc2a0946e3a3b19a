"""The steps of /broadcast that both buttons and typed input lead to: the next question,
the preview, and turning the notice service's refusals into words.

Every step reads or changes the draft in the database through NoticeService (which checks
the official's role on every call) and then asks the next question; asking claims the
official's next typed message for it (handlers/awaiting.py), with the draft's id and the
step in the reference: "<notice id>:<step>".
"""

from __future__ import annotations

from telegram import Update

from handlers.awaiting import claim, release
from handlers.broadcast.render import (
    audience_prompt,
    preview_keyboard,
    preview_text,
    topic_prompt,
    urgent_prompt,
    when_prompt,
)
from handlers.context import Context
from handlers.i18n import t
from handlers.people import Caller
from handlers.render import a_week_ahead
from handlers.replies import reply
from services.errors import InvalidInput, NotFound, PermissionDenied, ServiceError
from services.notices.views import OFFICIAL_ROLES
from services.residents.awaiting import Owed

# The question asked last, as the reference of what the official owes: its draft and its
# step. Typed answers are taken at topic, community, building and time; at a step answered
# with buttons (audience, urgent, when) typing asks it again, at the preview it shows the
# preview again, and a button of another step is one already answered (a double tap). Never
# the preview for a step not answered: its ✅ would send with a default nobody chose.
TOPIC, COMMUNITY, BUILDING, TIME = "topic", "community", "building", "time"
PREVIEW = "preview"
BUTTONS = "buttons"  # what revisions before the step was kept recorded for any button step
TYPED = (TOPIC, COMMUNITY, BUILDING, TIME)

_BUTTON_PROMPTS = {
    "audience": audience_prompt,
    TOPIC: topic_prompt,
    "urgent": urgent_prompt,
    "when": when_prompt,
}


async def ask(update: Update, context: Context, caller: Caller, notice_id: int, step: str) -> None:
    """Ask the question of ``step`` about draft ``notice_id`` and remember what it waits for:
    audience, topic, urgent, when (buttons), community, building, time (typed), preview."""
    if step == "preview":
        await show_preview(update, context, caller, notice_id)
        return
    await claim(update, context, caller, Owed.BROADCAST, owed_step(notice_id, step))
    if step in _BUTTON_PROMPTS:
        await reply(update, *_BUTTON_PROMPTS[step](caller.language, notice_id))
    else:
        example = example_send_time(context)
        await reply(update, t(caller.language, f"broadcast.ask_{step}", example=example))


QUESTIONS = (*_BUTTON_PROMPTS, COMMUNITY, BUILDING, TIME)
"""The steps that ask something (every step but the preview)."""


async def resume(update: Update, context: Context, caller: Caller, notice_id: int) -> None:
    """Back to the open draft where it was left: the question still unanswered (whose
    answer the preview would otherwise show as a default nobody chose), else the preview."""
    owed = await context.services.awaiting.awaiting(caller.resident.telegram_id)
    asked = step_owed(owed.reference) if owed is not None and owed.kind is Owed.BROADCAST else None
    if asked is None or asked[0] != notice_id or asked[1] not in QUESTIONS:
        await show_preview(update, context, caller, notice_id, "broadcast.resume")
        return
    await reply(update, t(caller.language, "broadcast.resume"))
    await ask(update, context, caller, notice_id, asked[1])


def example_send_time(context: Context) -> str:
    """A sending time to show as an example: 09:00 a week from today, never in the past."""
    services = context.services
    return f"{a_week_ahead(services.delivery.clock(), services.notices.tz):%Y-%m-%d} 09:00"


def owed_step(notice_id: int, step: str) -> str:
    """The reference of a broadcast step: which draft, and which question."""
    return f"{notice_id}:{step}"


def step_owed(reference: str) -> tuple[int, str] | None:
    """The draft and question of an ``owed_step`` reference (None if it is not one)."""
    notice_id, _, step = reference.partition(":")
    return (int(notice_id), step) if notice_id.isdecimal() and step else None


async def show_preview(
    update: Update, context: Context, caller: Caller, notice_id: int, intro: str | None = None
) -> None:
    """The notice exactly as residents will get it, then who and when, with the buttons."""
    notices, lang = context.services.notices, caller.language
    preview = await notices.preview(caller.resident.telegram_id, notice_id)
    await claim(update, context, caller, Owed.BROADCAST, owed_step(notice_id, PREVIEW))
    chat, notice = update.effective_chat, preview.notice
    if intro:
        await reply(update, t(lang, intro))
    body = t(lang, "notice.body", text=notice.text)
    if chat is not None and notice.photo_file_id:
        await chat.send_photo(notice.photo_file_id, caption=body)
    else:
        await reply(update, body)
    summary = preview_text(lang, preview, notices.tz)
    await reply(update, summary, preview_keyboard(lang, notice))


async def refused(update: Update, context: Context, caller: Caller, error: ServiceError) -> None:
    """Say why the step could not be taken; a draft that is gone ends the conversation."""
    uid = caller.resident.telegram_id
    if isinstance(error, PermissionDenied):
        await release(context, uid, Owed.BROADCAST, Owed.BROADCAST_TEXT)
        await reply(update, t(caller.language, "broadcast.denied"))
    elif isinstance(error, (NotFound, InvalidInput)):
        await release(context, uid, Owed.BROADCAST, Owed.BROADCAST_TEXT)
        await reply(update, t(caller.language, "broadcast.gone"))
    else:
        raise error


async def is_official(context: Context, caller: Caller) -> bool:
    """Whether the caller may broadcast (the service checks again on every call)."""
    try:
        await context.services.residents.require_role(caller.resident.telegram_id, *OFFICIAL_ROLES)
    except PermissionDenied:
        return False
    return True
