"""/notices and /cancel_notice <id>: officials see what was sent, when, and how far it got,
and stop the unsent part of a notice (a scheduled one never goes out)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.broadcast.render import notice_line
from handlers.callbacks import parse_id
from handlers.context import Context, LinliApp
from handlers.guards import refusing
from handlers.i18n import t
from handlers.people import Caller
from handlers.replies import reply
from services.errors import InvalidInput, NotFound

SHOWN = 15


def register(application: LinliApp) -> None:
    once = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("notices", notices_command, once))
    application.add_handler(CommandHandler("cancel_notice", cancel_notice_command, once))


@refusing("notices.denied")
async def notices_command(update: Update, context: Context, caller: Caller) -> None:
    """The newest notices (drafts left out) with their delivery figures."""
    notices, lang = context.services.notices, caller.language
    views = await notices.list_notices(caller.resident.telegram_id, limit=SHOWN + 5)
    shown = [v for v in views if v.state != "draft"][:SHOWN]
    if not shown:
        await reply(update, t(lang, "notices.none"))
        return
    lines = [notice_line(lang, view, notices.tz) for view in shown]
    await reply(update, "\n\n".join([t(lang, "notices.title"), *lines, t(lang, "notices.hint")]))


@refusing("notices.denied")
async def cancel_notice_command(update: Update, context: Context, caller: Caller) -> None:
    """/cancel_notice <id>: stop what was not sent yet."""
    notices, lang, uid = context.services.notices, caller.language, caller.resident.telegram_id
    args = context.args or []
    text = args[0].lstrip("#") if len(args) == 1 else ""
    try:
        notice_id = parse_id(text)
        if notice_id is None:
            await notices.list_notices(uid, limit=1)  # a resident is refused, not taught usage
            await reply(update, t(lang, "notices.cancel_usage"))
            return
        view = await notices.get(uid, notice_id)
        if view.state in ("finished", "cancelled"):
            await reply(update, t(lang, f"notices.already_{view.state}", id=notice_id))
            return
        view = await notices.cancel(uid, notice_id)
    except NotFound:
        await reply(update, t(lang, "notices.not_found", id=text))
        return
    except InvalidInput:  # cancelled by someone else a moment ago
        await reply(update, t(lang, "notices.already_cancelled", id=text))
        return
    figures = view.figures
    await reply(
        update,
        t(
            lang,
            "notices.cancelled",
            id=view.id,
            sent=figures.sent,
            cancelled=figures.cancelled,
        ),
    )
