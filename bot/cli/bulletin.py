"""``linli bulletin add|list|remove``: regular bulletins defined on the command line.

The operator at the command line needs no role (they hold the server); in Telegram the same
actions are behind services.bulletins.BulletinService for officials and admins. Times are
local (LINLI_TIMEZONE, Asia/Shanghai by default).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.calendar import work_calendar
from bot.cli.district import use_configured_district
from bot.settings import load_settings
from services.errors import InvalidInput, NotFound
from services.notices.audience_places import building_audience, community_audience
from services.notices.bulletin_figures import TicketFigures
from services.notices.bulletins import WEEKDAYS, BulletinService, BulletinSpec, parse_weekday
from services.notices.disclosure_bulletin import PLACEHOLDER, DisclosureFigures
from services.notices.subscriptions import TOPICS, parse_clock
from services.notices.views import OPERATOR, Audience, BulletinView
from services.reports import ReportService
from storage import Database, PendingMigrationsError
from storage.migrate import prepare

_PLACEHOLDERS = " ".join("{" + name + "}" for name in sorted(TicketFigures.names | {PLACEHOLDER}))


def add_bulletin_commands(subparsers: Any) -> Any:
    """Register ``bulletin add``, ``bulletin list`` and ``bulletin remove`` on argparse."""
    bulletin = subparsers.add_parser("bulletin", help="regular bulletins (居务公开, summaries)")
    commands = bulletin.add_subparsers(dest="bulletin_command", metavar="ACTION", required=True)
    add = commands.add_parser(
        "add",
        help="define a regular bulletin",
        epilog=f"Placeholders the text may use: {_PLACEHOLDERS}",
    )
    add.add_argument("--name", required=True, help="a name to recognise it by")
    add.add_argument("--every", required=True, choices=["daily", "weekly", "monthly", "quarterly"])
    add.add_argument("--at", required=True, help="local time of day, e.g. 09:00")
    add.add_argument("--weekday", help=f"weekly bulletins: {', '.join(WEEKDAYS)}")
    add.add_argument(
        "--day", type=int, help="monthly and quarterly: day of the month, 1-31 (31 = last day)"
    )
    audience = add.add_mutually_exclusive_group(required=True)
    audience.add_argument("--all", action="store_true", help="every resident (not /stop)")
    audience.add_argument("--topic", help=f"subscribers of: {', '.join(t.id for t in TOPICS)}")
    audience.add_argument(
        "--community", help="residents of this community (its name or id in LINLI_DISTRICT_DIR)"
    )
    audience.add_argument(
        "--building",
        help='residents of this building: "community building", e.g. "示例社区A 3号楼"',
    )
    audience.add_argument("--staff", action="store_true", help="staff, officials and admins")
    text = add.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the template, with placeholders in braces")
    text.add_argument("--text-file", type=Path, help="read the template from a UTF-8 file")
    add.set_defaults(func=lambda a: _run(lambda s: _add(s, a)))
    commands.add_parser("list", help="list bulletins and their next run").set_defaults(
        func=lambda a: _run(_list)
    )
    remove = commands.add_parser("remove", help="stop a bulletin for good")
    remove.add_argument("id", type=int, help="the bulletin's id (see bulletin list)")
    remove.set_defaults(func=lambda a: _run(lambda s: _remove(s, a.id)))
    return commands


def _run(action: Callable[[BulletinService], Awaitable[int]]) -> int:
    settings = load_settings()
    use_configured_district(settings.district_dir)
    calendar = work_calendar(settings)

    async def go() -> int:
        db = Database(settings.database_url)
        try:
            await prepare(db)
            clock = lambda: datetime.now(UTC)  # noqa: E731
            figures = DisclosureFigures(ReportService(db, clock, calendar))
            service = BulletinService(
                db, clock, settings.default_language, settings.tz, figures=figures
            )
            return await action(service)
        except PendingMigrationsError as exc:
            print(exc, file=sys.stderr)
            return 2
        except InvalidInput as exc:
            print(f"Not done: {exc}", file=sys.stderr)
            return 2
        except NotFound as exc:
            print(f"Not found: {exc}", file=sys.stderr)
            return 1
        finally:
            await db.dispose()

    return asyncio.run(go())


def _spec(args: argparse.Namespace) -> BulletinSpec:
    if args.text_file is not None:
        try:
            template = args.text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read {args.text_file}: {exc}") from None
    else:
        template = args.text
    return BulletinSpec(
        name=args.name,
        recurrence=args.every,
        at=parse_clock(args.at),
        weekday=None if args.weekday is None else parse_weekday(args.weekday),
        day_of_month=args.day,
        audience=_audience(args),
        template=template,
    )


def _audience(args: argparse.Namespace) -> Audience:
    if args.topic is not None:
        return Audience.topic(args.topic)
    if args.community is not None:
        return community_audience(args.community)  # UnknownPlace (InvalidInput): not done
    if args.building is not None:
        return building_audience(args.building)
    return Audience.staff() if args.staff else Audience.everyone()


async def _add(service: BulletinService, args: argparse.Namespace) -> int:
    added = await service.add(OPERATOR, _spec(args))
    print(f"Added bulletin #{added.id}: {_describe(added, service)}")
    return 0


async def _list(service: BulletinService) -> int:
    bulletins = await service.list_bulletins(OPERATOR)
    if not bulletins:
        print("No bulletins yet. Add one with: linli bulletin add --help")
    for bulletin in bulletins:
        first_line = bulletin.template.splitlines()[0][:60]
        print(f"#{bulletin.id}\t{_describe(bulletin, service)}\t{first_line}")
    return 0


async def _remove(service: BulletinService, bulletin_id: int) -> int:
    removed = await service.remove(OPERATOR, bulletin_id)
    print(f"Removed bulletin #{removed.id} ({removed.name}); it will not run again.")
    return 0


def _describe(bulletin: BulletinView, service: BulletinService) -> str:
    when = f"{bulletin.recurrence} at {bulletin.at.strftime('%H:%M')}"
    if bulletin.weekday is not None:
        when += f" on {WEEKDAYS[bulletin.weekday]}"
    if bulletin.day_of_month is not None:
        when += f" on day {bulletin.day_of_month}"
    audience = bulletin.audience.kind + (
        f" {bulletin.audience.value}" if bulletin.audience.value else ""
    )
    next_run = bulletin.next_run_at.astimezone(service.tz).strftime("%Y-%m-%d %H:%M")
    return f"{bulletin.name}\t{when}\tto {audience}\tnext {next_run}"
