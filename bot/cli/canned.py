"""``linli canned list|add|remove``: the canned replies (常用语) staff pick from, for the
operator (as admins' /canned, /canned_add and /canned_remove do; recorded with no admin id).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.args import whole_number
from bot.settings import load_settings
from services import NotFound, Services, open_services
from services.errors import InvalidInput
from services.tickets.canned import ACTIONS, ALL_CATEGORIES, PLACEHOLDERS, CannedView


def add_canned_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    canned = sub.add_parser("canned", help="canned replies staff send with one press")
    actions = canned.add_subparsers(dest="canned_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the canned replies in use, by action")
    listing.add_argument(
        "--all", action="store_true", help="removed ones too, with who added and removed each, when"
    )
    listing.set_defaults(func=lambda a: asyncio.run(_list(a.all)))
    known = " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    add = actions.add_parser("add", help=f"add a canned reply (placeholders: {known})")
    add.add_argument("action", choices=ACTIONS)
    add.add_argument("category", help=f"a category id, or {ALL_CATEGORIES} for all categories")
    add.add_argument("text", help="the text; quote it")
    add.set_defaults(func=lambda a: asyncio.run(_add(a.action, a.category, a.text)))
    remove = actions.add_parser("remove", help="take a canned reply out of use")
    remove.add_argument("id", type=whole_number, help="its id, as `linli canned list` shows")
    remove.set_defaults(func=lambda a: asyncio.run(_remove(a.id)))


async def _open() -> Services:
    settings = load_settings()
    return await open_services(
        settings.database_url,
        settings.kb_dir,
        settings.default_language,
        district_dir=settings.district_dir,  # the categories a text may belong to
    )


async def _list(everything: bool) -> int:
    services = await _open()
    try:
        listed = await services.tickets.canned.list_by_operator(removed_too=everything)
    finally:
        await services.close()
    for canned in listed:
        print(_line(canned) + (_record(canned) if everything else ""))
    if not listed:
        print("No canned replies.")
    return 0


async def _add(action: str, category: str, text: str) -> int:
    services = await _open()
    try:
        added = await services.tickets.canned.add_by_operator(action, category, text)
    except InvalidInput as exc:
        print(f"Not added: {exc}.", file=sys.stderr)
        return 1
    finally:
        await services.close()
    print(f"added {_line(added)}")
    return 0


async def _remove(canned_id: int) -> int:
    services = await _open()
    try:
        removed = await services.tickets.canned.remove_by_operator(canned_id)
    except NotFound:
        print(f"There is no canned reply {canned_id} in use.", file=sys.stderr)
        return 1
    finally:
        await services.close()
    print(f"removed {_line(removed)}")
    return 0


def _record(canned: CannedView) -> str:
    """Who changed it, when (UTC); "operator" for the command line, "bundled" for the set the
    migration wrote."""
    added_by = "bundled" if canned.sample else _who(canned.created_by)
    record = f"\tadded {canned.created_at:%Y-%m-%d %H:%M} by {added_by}"
    if canned.removed_at is not None:
        record += f", removed {canned.removed_at:%Y-%m-%d %H:%M} by {_who(canned.removed_by)}"
    return record


def _who(telegram_id: int | None) -> str:
    return "operator" if telegram_id is None else f"admin {telegram_id}"


def _line(canned: CannedView) -> str:
    category = canned.category or ALL_CATEGORIES
    sample = " (sample)" if canned.sample else ""
    return f"#{canned.id}\t{canned.action}\t{category}\t{canned.text}{sample}"
