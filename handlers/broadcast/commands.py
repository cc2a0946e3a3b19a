"""/broadcast: officials and admins compose a notice step by step, driven by the draft in the
database: text (or a photo with a caption) → audience → urgent? → now or at a time →
preview with the number of recipients → confirm or discard.

Buttons are "bc:<action>:<notice id>[:<choice>]"; typed answers arrive by
handlers/awaiting.py at input.py, and /cancel while composing at ``cancel_broadcast``.
/notices and /cancel_notice live in notices.py.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from handlers.awaiting import claim, release
from handlers.broadcast import notices as broadcast_notices
from handlers.broadcast.flow import (
    BUILDING,
    BUTTONS,
    COMMUNITY,
    TIME,
    TOPIC,
    ask,
    is_official,
    refused,
    resume,
    show_preview,
    step_owed,
)
from handlers.broadcast.input import start_draft
from handlers.broadcast.render import AUDIENCES, audience_text
from handlers.callbacks import int_arg
from handlers.context import Context, LinliApp
from handlers.guards import pressed
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.replies import reply, settle
from services.errors import ServiceError
from services.notices.views import Audience
from services.residents.awaiting import AwaitingView, Owed


def register(application: LinliApp) -> None:
    """/broadcast, the bc: buttons; /notices."""
    once = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("broadcast", broadcast_command, once))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^bc:"))
    broadcast_notices.register(application)


async def broadcast_command(update: Update, context: Context) -> None:
    """Start composing (the text may follow the command), or resume the open draft."""
    caller = await identify(update, context)
    chat = update.effective_chat
    if caller is None or chat is None:
        return
    if not await is_official(context, caller):
        await reply(update, t(caller.language, "broadcast.denied"))
        return
    if chat.type != chat.PRIVATE:
        await reply(update, t(caller.language, "broadcast.private_only"))
        return
    uid = caller.resident.telegram_id
    text = " ".join(context.args or [])
    try:
        notice_id = await context.services.notices.open_draft(uid)
        if notice_id is not None:
            await resume(update, context, caller, notice_id)
        elif text.strip():
            await start_draft(update, context, caller, text, None)
        else:
            await claim(update, context, caller, Owed.BROADCAST_TEXT)
            await reply(update, t(caller.language, "broadcast.ask_text"))
    except ServiceError as error:
        await refused(update, context, caller, error)


async def cancel_broadcast(
    update: Update, context: Context, caller: Caller, owed: AwaitingView
) -> bool:
    """/cancel while composing: the draft is discarded and never sent."""
    uid = caller.resident.telegram_id
    notice_id = await context.services.notices.open_draft(uid)
    if notice_id is None and owed.kind is Owed.BROADCAST:
        return False  # the draft is gone (expired, or sent elsewhere): an ordinary /cancel
    if notice_id is not None:
        try:
            await context.services.notices.cancel(uid, notice_id)
        except ServiceError as error:
            await refused(update, context, caller, error)
            return True
    await reply(update, t(caller.language, "broadcast.cancelled"))
    return True


async def on_button(update: Update, context: Context) -> None:
    press = await pressed(update, context)
    notice_id = int_arg(press.callback, 1) if press is not None else None
    if press is None or notice_id is None:
        return
    cb, caller = press.callback, press.caller
    action, choice = cb.args[0], cb.args[2] if len(cb.args) > 2 else ""
    handler = _BUTTONS.get(action)
    if handler is None or await _answered_already(context, caller, notice_id, action):
        await reply(update, t(caller.language, "stale_button"))
        return
    try:
        await handler(update, context, caller, notice_id, choice)
    except ServiceError as error:
        await refused(update, context, caller, error)


# The step each answering button belongs to (the preview's buttons act on the whole draft).
_STEP_OF = {"aud": "audience", "top": TOPIC, "urg": "urgent", "when": "when"}


async def _answered_already(context: Context, caller: Caller, notice_id: int, action: str) -> bool:
    """A button of a step of this draft other than the one asked now: the second tap of a
    double tap (the pressed message is settled only after the next question is out), or an
    old question's button. Answering it again would ask the next question twice."""
    step = _STEP_OF.get(action)
    if step is None:
        return False
    owed = await context.services.awaiting.awaiting(caller.resident.telegram_id)
    asked = step_owed(owed.reference) if owed is not None and owed.kind is Owed.BROADCAST else None
    return asked is not None and asked[0] == notice_id and asked[1] not in (step, BUTTONS)


async def _audience(u: Update, c: Context, caller: Caller, notice_id: int, choice: str) -> None:
    lang = caller.language
    if choice not in AUDIENCES:  # a forged or outdated button: nothing to settle
        await c.services.notices.preview(caller.resident.telegram_id, notice_id)  # who asks?
        await reply(u, t(lang, "stale_button"))
        return
    await settle(u, t(lang, f"broadcast.button.{choice}"))
    if choice in (TOPIC, COMMUNITY, BUILDING):
        await ask(u, c, caller, notice_id, choice)
        return
    audience = Audience.staff() if choice == "staff" else Audience.everyone()
    await c.services.notices.set_audience(caller.resident.telegram_id, notice_id, audience)
    await ask(u, c, caller, notice_id, "urgent")


async def _topic(u: Update, c: Context, caller: Caller, notice_id: int, choice: str) -> None:
    audience = Audience.topic(choice)
    view = await c.services.notices.set_audience(caller.resident.telegram_id, notice_id, audience)
    await settle(u, audience_text(caller.language, view.audience))
    await ask(u, c, caller, notice_id, "urgent")


async def _urgent(u: Update, c: Context, caller: Caller, notice_id: int, choice: str) -> None:
    urgent = choice == "1"
    await c.services.notices.set_urgent(caller.resident.telegram_id, notice_id, urgent)
    await settle(u, t(caller.language, "broadcast.yes" if urgent else "broadcast.no"))
    await ask(u, c, caller, notice_id, "when")


async def _when(u: Update, c: Context, caller: Caller, notice_id: int, choice: str) -> None:
    if choice == "at":
        await settle(u, t(caller.language, "broadcast.button.later"))
        await ask(u, c, caller, notice_id, TIME)
        return
    await c.services.notices.set_send_at(caller.resident.telegram_id, notice_id, None)
    await settle(u, t(caller.language, "broadcast.button.now"))
    await show_preview(u, c, caller, notice_id)


async def _edit(u: Update, c: Context, caller: Caller, notice_id: int, choice: str) -> None:
    step = {"aud": "audience", "urg": "urgent", "when": "when"}.get(choice, "preview")
    await ask(u, c, caller, notice_id, step)


async def _confirm(u: Update, c: Context, caller: Caller, notice_id: int, choice: str) -> None:
    notices, lang = c.services.notices, caller.language
    notice = await notices.confirm(caller.resident.telegram_id, notice_id)
    await release(c, caller.resident.telegram_id, Owed.BROADCAST)
    await settle(u, t(lang, "broadcast.button.confirmed"))
    if notice.send_at is not None:
        when = notice.send_at.astimezone(notices.tz).strftime("%Y-%m-%d %H:%M")
        await reply(u, t(lang, "broadcast.scheduled", id=notice.id, when=when))
    else:
        await reply(u, t(lang, "broadcast.sending", id=notice.id, recipients=notice.recipients))


async def _discard(u: Update, c: Context, caller: Caller, notice_id: int, choice: str) -> None:
    notices, uid = c.services.notices, caller.resident.telegram_id
    if (await notices.get(uid, notice_id)).status != "draft":
        # An old preview's button: a notice already confirmed is stopped with /cancel_notice.
        await reply(u, t(caller.language, "broadcast.gone"))
        return
    await notices.cancel(uid, notice_id)
    await release(c, uid, Owed.BROADCAST)
    await settle(u, t(caller.language, "broadcast.button.discarded"))
    await reply(u, t(caller.language, "broadcast.cancelled"))


_BUTTONS = {
    "aud": _audience,
    "top": _topic,
    "urg": _urgent,
    "when": _when,
    "edit": _edit,
    "ok": _confirm,
    "no": _discard,
}
