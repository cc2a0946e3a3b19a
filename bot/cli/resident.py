"""``linli resident export|forget|ban|unban ID``: a resident's own data, and bans, for the
operator.

``export`` prints the same JSON document /mydata sends; ``forget`` erases the person the
way /forget does (a staff role is removed first: only the operator may do that), asking
for a confirmation unless ``--yes`` is given. ``ban`` and ``unban`` do what /ban and /unban
do in the staff chat, recorded as the operator's (no staff id).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.staff import _user_id
from bot.settings import load_settings
from services import NotFound, Services, open_services
from services.errors import InvalidInput
from services.residents.bans import AlreadyBanned, BanView, CannotBan, NotBanned


def add_resident_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    resident = sub.add_parser("resident", help="a resident's own data: export or erase it")
    actions = resident.add_subparsers(dest="resident_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="print everything linli holds about a person")
    export.add_argument("telegram_id", type=_user_id, help="the person's Telegram user id")
    export.set_defaults(func=lambda a: asyncio.run(_export(a.telegram_id)))
    forget = actions.add_parser(
        "forget", help="erase a person's data, keeping the figures (as /forget does)"
    )
    forget.add_argument("telegram_id", type=_user_id)
    forget.add_argument("--yes", action="store_true", help="do not ask for a confirmation")
    forget.set_defaults(func=lambda a: asyncio.run(_forget(a.telegram_id, a.yes)))
    ban = actions.add_parser("ban", help="stop a resident asking and filing (as /ban does)")
    ban.add_argument("telegram_id", type=_user_id)
    ban.add_argument("--reason", default="", help="why (staff see it; the resident never does)")
    ban.set_defaults(func=lambda a: asyncio.run(_ban(a.telegram_id, a.reason)))
    unban = actions.add_parser("unban", help="lift a resident's ban (as /unban does)")
    unban.add_argument("telegram_id", type=_user_id)
    unban.set_defaults(func=lambda a: asyncio.run(_ban(a.telegram_id, None)))


async def _open() -> Services:
    settings = load_settings()
    return await open_services(settings.database_url, settings.kb_dir, settings.default_language)


async def _export(telegram_id: int) -> int:
    services = await _open()
    try:
        data = await services.privacy.export(telegram_id)
    except NotFound:
        print(f"linli holds nothing about {telegram_id}.", file=sys.stderr)
        return 1
    finally:
        await services.close()
    print(data.to_json())
    return 0


async def _forget(telegram_id: int, yes: bool) -> int:
    services = await _open()
    try:
        try:
            data = await services.privacy.export(telegram_id)
        except NotFound:
            print(f"linli holds nothing about {telegram_id}.", file=sys.stderr)
            return 1
        print(
            f"{telegram_id} ({data.profile.role}): {len(data.tickets)} ticket(s) to anonymise, "
            f"{len(data.questions)} question(s) to delete, "
            f"{len(data.pending_messages)} waiting message(s) to cancel."
        )
        if not yes and not _confirmed():
            print("Not changed.")
            return 1
        done = await services.privacy.forget_by_operator(telegram_id)
    finally:
        await services.close()
    print(
        f"Erased: {done.tickets_anonymised} ticket(s) anonymised, {done.questions_erased} "
        f"question(s) deleted, {done.messages_cancelled} message(s) cancelled. Kept for the "
        "figures: each ticket's category, status, times and score, and the questions' "
        "decisions and feedback."
    )
    return 0


async def _ban(telegram_id: int, reason: str | None) -> int:
    """Ban (``reason`` given, possibly empty) or lift the ban (None); 1 when nothing changed."""
    services = await _open()
    bans = services.bans
    try:
        if reason is None:
            lifted = await bans.unban_by_operator(telegram_id)
            print(f"The ban of {telegram_id} is lifted (it was {_record(lifted)}).")
        else:
            await bans.ban_by_operator(telegram_id, reason)
            print(f"{telegram_id} is banned from asking and filing; /unban or "
                  f"`linli resident unban {telegram_id}` lifts it.")  # fmt: skip
        return 0
    except NotFound:
        print(f"linli holds nothing about {telegram_id}.", file=sys.stderr)
    except CannotBan as exc:
        print(f"{telegram_id} is {exc}: staff, officials and admins cannot be banned "
              "(`linli staff remove` takes the role away).", file=sys.stderr)  # fmt: skip
    except AlreadyBanned as exc:
        print(f"{telegram_id} is banned already ({_record(exc.ban)}); not changed.",
              file=sys.stderr)  # fmt: skip
    except NotBanned:
        print(f"{telegram_id} is not banned; not changed.", file=sys.stderr)
    except InvalidInput as exc:
        print(f"Not changed: {exc}.", file=sys.stderr)
    finally:
        await services.close()
    return 1


def _record(ban: BanView) -> str:
    by = "the operator" if ban.banned_by is None else f"staff {ban.banned_by}"
    reason = f", reason: {ban.reason}" if ban.reason else ""
    return f"banned {ban.banned_at:%Y-%m-%d %H:%M} UTC by {by}{reason}"


def _confirmed() -> bool:
    try:
        answer = input("Erase this person's data? This cannot be undone. [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
