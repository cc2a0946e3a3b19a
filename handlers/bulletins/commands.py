"""Regular bulletins in Telegram, for officials and admins: /bulletins (list),
/bulletin_add <schedule words> <text> (one message; see services/notices/bulletin_args.py)
and /bulletin_remove <id>. The same definitions as ``linli bulletin`` on the command line.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.broadcast.render import audience_text, local, topic_list
from handlers.callbacks import parse_id
from handlers.context import Context, LinliApp
from handlers.guards import refusing
from handlers.i18n import t
from handlers.people import Caller
from handlers.replies import reply
from services.errors import InvalidInput, NotFound
from services.notices.bulletin_args import BulletinArgsError, parse_bulletin
from services.notices.bulletin_figures import placeholders
from services.notices.bulletins import WEEKDAYS
from services.notices.views import BulletinView


def register(application: LinliApp) -> None:
    once = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("bulletins", list_command, once))
    application.add_handler(CommandHandler("bulletin_add", add_command, once))
    application.add_handler(CommandHandler("bulletin_remove", remove_command, once))


def describe(language: str, bulletin: BulletinView, context: Context) -> str:
    """One bulletin: number, name, schedule, audience, next run, first line of its text."""
    on = ""
    if bulletin.weekday is not None:
        on = t(language, f"bulletin.weekday.{WEEKDAYS[bulletin.weekday]}")
    if bulletin.day_of_month is not None:
        on = t(language, "bulletin.day", day=bulletin.day_of_month)
    when = t(language, f"bulletin.every.{bulletin.recurrence}", on=on, at=f"{bulletin.at:%H:%M}")
    tz = context.services.bulletins.tz
    return t(
        language,
        "bulletin.line",
        id=bulletin.id,
        name=bulletin.name,
        when=when,
        audience=audience_text(language, bulletin.audience),
        next=local(bulletin.next_run_at, tz),
        head=bulletin.template.splitlines()[0][:60],
    )


@refusing("bulletin.denied")
async def list_command(update: Update, context: Context, caller: Caller) -> None:
    lang = caller.language
    found = await context.services.bulletins.list_bulletins(caller.resident.telegram_id)
    if not found:
        await reply(update, t(lang, "bulletin.none"))
        return
    lines = [describe(lang, bulletin, context) for bulletin in found]
    await reply(update, "\n\n".join([t(lang, "bulletin.title"), *lines, t(lang, "bulletin.hint")]))


@refusing("bulletin.denied")
async def add_command(update: Update, context: Context, caller: Caller) -> None:
    message = update.message
    if message is None or message.text is None:
        return
    bulletins, lang, uid = (
        context.services.bulletins,
        caller.language,
        caller.resident.telegram_id,
    )
    try:
        await bulletins.list_bulletins(uid)  # a resident is refused before any usage text
        spec = parse_bulletin(message.text.split(maxsplit=1)[1] if " " in message.text else "")
        if await _bad_template(update, caller, spec.template, bulletins.placeholders()):
            return
        added = await bulletins.add(uid, spec)
    except BulletinArgsError as error:
        await _explain(update, caller, error, bulletins.placeholders())
        return
    except InvalidInput as error:  # e.g. a name already in use
        await reply(update, t(lang, "bulletin.refused", reason=str(error)))
        return
    await reply(update, t(lang, "bulletin.added") + "\n" + describe(lang, added, context))


async def _bad_template(
    update: Update, caller: Caller, template: str, known: frozenset[str]
) -> bool:
    """Say what is wrong with the template's placeholders, if anything."""
    lang = caller.language
    try:
        unknown = placeholders(template) - known
    except InvalidInput:
        await reply(update, t(lang, "bulletin.bad_braces"))
        return True
    if unknown:
        names = " ".join("{" + name + "}" for name in sorted(unknown))
        await reply(
            update, t(lang, "bulletin.unknown_placeholder", names=names, known=_known(known))
        )
        return True
    return False


def _known(known: frozenset[str]) -> str:
    return " ".join("{" + name + "}" for name in sorted(known))


async def _explain(
    update: Update, caller: Caller, error: BulletinArgsError, known: frozenset[str]
) -> None:
    lang = caller.language
    if error.code == "usage":
        await reply(update, t(lang, "bulletin.usage", known=_known(known)))
        return
    text = t(lang, f"bulletin.bad.{error.code}", value=error.value, names=topic_list(lang))
    await reply(update, text + "\n\n" + t(lang, "bulletin.usage_short"))


@refusing("bulletin.denied")
async def remove_command(update: Update, context: Context, caller: Caller) -> None:
    bulletins, lang, uid = (
        context.services.bulletins,
        caller.language,
        caller.resident.telegram_id,
    )
    args = context.args or []
    text = args[0].lstrip("#") if len(args) == 1 else ""
    try:
        bulletin_id = parse_id(text)
        if bulletin_id is None:
            await bulletins.list_bulletins(uid)  # a resident is refused, not taught usage
            await reply(update, t(lang, "bulletin.remove_usage"))
            return
        removed = await bulletins.remove(uid, bulletin_id)
    except NotFound:
        await reply(update, t(lang, "bulletin.not_found", id=text))
        return
    await reply(update, t(lang, "bulletin.removed", id=removed.id, name=removed.name))
