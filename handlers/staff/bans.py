"""/ban <id|no> [reason], /unban <id|no> and /banned in the staff chat.

The resident is named by their Telegram id (plain digits) or by a ticket they filed (a
number with its dash or "#": "2611-0042"; "26110042" is read as an id). Each command is
parse → one BanService call with the caller's Actor → one reply; the service checks the
role and the chat again, and the rules (no staff, no double ban).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

from telegram import Update

from handlers.callbacks import parse_id
from handlers.context import Context
from handlers.i18n import t
from handlers.render import when
from handlers.replies import reply
from handlers.staff.commands import arguments, gate
from handlers.staff.common import district_tz, parse_number, staff_names
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.residents.bans import (
    MAX_REASON,
    AlreadyBanned,
    BanView,
    CannotBan,
    NobodyToBan,
    NotBanned,
    Target,
)


def parse_target(word: str) -> Target | None:
    """A Telegram id (int) or a ticket number (str) from the word typed; None otherwise."""
    telegram_id = parse_id(word)
    return telegram_id if telegram_id is not None else parse_number(word)


async def ban_command(update: Update, context: Context) -> None:
    """/ban <id|no> [reason]"""
    await _run(update, context, "ban", reason_allowed=True)


async def unban_command(update: Update, context: Context) -> None:
    """/unban <id|no>"""
    await _run(update, context, "unban", reason_allowed=False)


async def _run(update: Update, context: Context, name: str, *, reason_allowed: bool) -> None:
    gated = await gate(update, context)
    if gated is None:
        return
    caller, language = gated
    first, *rest = arguments(update).split(maxsplit=1) or [""]
    reason = rest[0].strip() if rest else ""
    target = parse_target(first)
    if target is None or (reason and not reason_allowed):
        await reply(update, t(language, f"staff.usage.{name}"))
        return
    actor = caller.actor
    bans = context.services.bans
    call = bans.ban(actor, target, reason) if name == "ban" else bans.unban(actor, target)
    await reply(update, await _outcome(context, language, target, call))


async def _outcome(
    context: Context, language: str, target: Target, call: Awaitable[BanView]
) -> str:
    """What the staff chat is told: the ban done or lifted, or why nothing changed."""
    who = _named(language, target)
    try:
        view = await call
    except AlreadyBanned as exc:
        names = await staff_names(context)
        return t(language, "ban.already", who=who, **_record(context, language, exc.ban, names))
    except NotBanned:
        return t(language, "ban.not_banned", who=who)
    except CannotBan:
        return t(language, "ban.cannot_ban_staff", who=who)
    except NobodyToBan as exc:  # named by a ticket: recorded for a caller, or filer erased
        return t(language, f"ban.nobody.{exc.reason}", number=target)
    except NotFound:
        if isinstance(target, str):
            return t(language, "staff.not_found", number=target)
        return t(language, "ban.no_such_person", telegram_id=target)
    except PermissionDenied:  # WrongPlace too: the gate said where; the service insists
        return t(language, "staff.only")
    except InvalidInput:
        return t(language, "ban.reason_too_long", limit=MAX_REASON)
    if view.telegram_id is not None:
        who = _who(language, view)
    elif isinstance(target, str):  # named by an anonymous ticket: it stays so
        who = t(language, "ban.who.anonymous", number=target)
    if view.lifted_at is not None:
        return t(language, "ban.lifted", who=who)
    reason = view.reason or t(language, "ban.no_reason")
    return t(language, "ban.done", who=who, reason=reason, target=target)


async def banned_command(update: Update, context: Context) -> None:
    """/banned: every ban in force, the newest first, with who banned and why."""
    gated = await gate(update, context)
    if gated is None:
        return
    caller, language = gated
    if arguments(update):
        await reply(update, t(language, "staff.usage.banned"))
        return
    actor = caller.actor
    try:
        bans = await context.services.bans.list_banned(actor)
    except PermissionDenied:
        await reply(update, t(language, "staff.only"))
        return
    if not bans:
        await reply(update, t(language, "ban.list.empty"))
        return
    names = await staff_names(context)
    lines = [t(language, "ban.list.title", count=len(bans))]
    for ban in bans:
        line = t(language, "ban.list.line", who=_who(language, ban),
                 **_record(context, language, ban, names))  # fmt: skip
        if ban.ticket_number and ban.telegram_id is not None:
            line += t(language, "ban.list.via", number=ban.ticket_number)
        lines.append(line)
    await reply(update, "\n".join(lines))


def _named(language: str, target: Target) -> str:
    """The person as the command named them, before the service says more."""
    if isinstance(target, str):
        return t(language, "ban.who.filer", number=target)
    return t(language, "ban.who.unnamed", telegram_id=target)


def _who(language: str, ban: BanView) -> str:
    """The banned person: name and id, or only the ticket when that ticket is anonymous."""
    if ban.telegram_id is None:
        return t(language, "ban.who.anonymous", number=ban.ticket_number or "")
    if not ban.name:
        return t(language, "ban.who.unnamed", telegram_id=ban.telegram_id)
    return t(language, "ban.who.person", name=ban.name, telegram_id=ban.telegram_id)


def _record(context: Context, language: str, ban: BanView, names: dict[int, str]) -> dict[str, str]:
    """When, by whom and why, for the staff chat."""
    at: datetime = ban.banned_at
    by = t(language, "ban.by.operator")
    if ban.banned_by is not None:
        by = names.get(ban.banned_by, str(ban.banned_by))
    return {
        "when": when(language, at, district_tz(context)),
        "by": by,
        "reason": ban.reason or t(language, "ban.no_reason"),
    }
