"""``linli outbox dead|counts|retry``: what the delivery worker gave up on, the queue's
state, and sending dead letters again once the cause is mended.

The operator on the command line needs no role; in Telegram the same list is behind
``DeliveryService.list_dead_letters_for`` (admins only).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.cli.args import positive_int
from bot.settings import Settings, load_settings
from services.delivery import DeadLetterView, DeliveryService
from services.residents.service import ResidentService
from storage import Database, PendingMigrationsError
from storage.migrate import prepare

T = TypeVar("T")


def add_outbox_commands(subparsers: Any) -> Any:
    """Register ``outbox dead`` and ``outbox counts`` on an argparse subparsers object."""
    outbox = subparsers.add_parser("outbox", help="messages waiting, sent and given up on")
    commands = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    dead = commands.add_parser("dead", help="list dead letters, newest first")
    dead.add_argument("--limit", type=positive_int, default=50, help="how many (default 50)")
    dead.set_defaults(func=lambda a: asyncio.run(_dead(a.limit)))
    counts = commands.add_parser("counts", help="messages per status")
    counts.set_defaults(func=lambda a: asyncio.run(_counts()))
    retry = commands.add_parser("retry", help="send dead letters again (all, or --id N)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=positive_int, help="one dead letter, by its #id")
    which.add_argument("--all", action="store_true", help="every dead letter")
    retry.set_defaults(func=lambda a: asyncio.run(_retry(a.id)))
    return commands


async def _ask(settings: Settings, question: Callable[[DeliveryService], Awaitable[T]]) -> T | None:
    """``question`` answered on a connection opened and closed here; None, with the reason
    printed, when the database needs ``linli db upgrade`` first."""
    db = Database(settings.database_url)
    try:
        await prepare(db)
        residents = ResidentService(db, lambda: datetime.now(UTC), settings.default_language)
        return await question(DeliveryService(db, residents))
    except PendingMigrationsError as exc:
        print(exc)
        return None
    finally:
        await db.dispose()


async def _dead(limit: int) -> int:
    settings = load_settings()
    letters = await _ask(settings, lambda service: service.list_dead_letters(limit))
    if letters is None:
        return 2
    if not letters:
        print("No dead letters: every message was delivered or is still being tried.")
    for letter in letters:
        print(_line(letter, settings))
    return 0


async def _counts() -> int:
    counts = await _ask(load_settings(), lambda service: service.counts())
    if counts is None:
        return 2
    for status in ("pending", "sending", "sent", "dead", "cancelled"):
        print(f"{status}\t{counts.get(status, 0)}")
    return 0


async def _retry(message_id: int | None) -> int:
    requeued = await _ask(load_settings(), lambda service: service.retry_dead(message_id))
    if requeued is None:
        return 2
    if requeued == 0:
        print("Nothing to retry: no such dead letter." if message_id else "No dead letters.")
        return 1 if message_id else 0
    print(f"{requeued} message(s) queued again; a running linli sends them within a second.")
    return 0


def _line(letter: DeadLetterView, settings: Settings) -> str:
    created = letter.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    ticket = f"\tticket {letter.ticket_id}" if letter.ticket_id is not None else ""
    return (
        f"#{letter.id}\t{created}\tchat {letter.chat_id}\t{letter.message_key}\t"
        f"{letter.attempts} attempts\t{letter.last_error or ''}\t{letter.idempotency_key}{ticket}"
    )
