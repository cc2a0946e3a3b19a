"""``linli staff add|remove|list``: roles are granted on the command line, by the operator."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Coroutine
from typing import Any

from bot.cli.args import whole_number
from bot.settings import load_settings
from handlers.callbacks import parse_id
from services import InvalidInput, ResidentView, Services, open_services

ROLES = ("staff", "official", "admin")


def add_staff_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = sub.add_parser("add", help="give a Telegram user a role")
    add.add_argument("telegram_id", type=_user_id, help="the person's numeric Telegram user id")
    add.add_argument("--role", choices=ROLES, default="staff")
    add.add_argument(
        "--name", help="how staff and cards name them until they write to linli (e.g. 张社工)"
    )
    add.set_defaults(func=lambda a: _run(_grant(a.telegram_id, a.role, a.name)))
    remove = sub.add_parser("remove", help="make a person an ordinary resident again")
    remove.add_argument("telegram_id", type=_user_id)
    remove.set_defaults(func=lambda a: _run(_grant(a.telegram_id, "resident", None)))
    lst = sub.add_parser("list", help="list staff, officials and admins")
    lst.set_defaults(func=lambda a: _run(_list()))


def _user_id(text: str) -> int:
    """A Telegram user id: a positive number (a group's id is negative)."""
    number = whole_number(text)
    if number <= 0:
        raise argparse.ArgumentTypeError(
            f"{text} is not a person: a Telegram user id is a positive number"
            " (negative ids are groups and channels)"
        )
    if parse_id(str(number)) is None:  # the database's integers stop at 64 bits
        raise argparse.ArgumentTypeError(
            f"{text} is too long for a Telegram user id (they have at most 18 digits)"
        )
    return number


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


async def _open() -> Services:
    settings = load_settings()
    return await open_services(settings.database_url, settings.kb_dir, settings.default_language)


async def _grant(telegram_id: int, role: str, name: str | None) -> int:
    services = await _open()
    try:
        person = await services.residents.grant_role(telegram_id, role, name)
    except InvalidInput as exc:
        print(f"Not changed: {exc}")
        return 2
    finally:
        await services.close()
    print(f"{_line(person)}")
    return 0


async def _list() -> int:
    services = await _open()
    try:
        people = await services.residents.list_staff()
    finally:
        await services.close()
    if not people:
        print("No staff yet. Add one with: linli staff add <telegram id> --role staff")
    for person in people:
        print(_line(person))
    return 0


def _line(person: ResidentView) -> str:
    name = person.display_name or "(no name yet: add one with --name, or they write to linli)"
    return f"{person.telegram_id}\t{person.role}\t{name}"
