"""The ``linli`` command: run the bot, chat in the console, manage the database and staff."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from bot.cli.kb import add_kb_commands
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from knowledge import KnowledgeBaseError
from services.district import DistrictError
from services.workdays.holidays import HolidayFileError
from storage import PendingMigrationsError, UnknownRevisionError

# Errors main() reports in one line or a list of problems, from any command.
_REPORTED = (
    SettingsError,
    PendingMigrationsError,
    UnknownRevisionError,
    KnowledgeBaseError,
    DistrictError,
    HolidayFileError,
)


def _configure_logging(settings: Settings) -> logging.Handler:
    # httpx logs every request URL at INFO, and Bot API URLs contain the token; at DEBUG, PTB
    # logs the Bot API URL and every call's parameters (setWebhook's secret_token among them,
    # and residents' messages): bot/logs.py masks the secrets and cuts those parameters.
    return configure_logging(settings.log_level, settings.log_format, settings.secrets())


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import run_telegram

    settings = load_settings()
    if settings.token() is None:
        print(
            "LINLI_BOT_TOKEN is not set: get a token from @BotFather and set it (see .env.example)."
            "\nTo try linli without Telegram, run: linli console",
            file=sys.stderr,
        )
        return 2
    handler = _configure_logging(settings)
    from telegram.error import InvalidToken

    try:
        return run_telegram(settings)
    except InvalidToken:
        # PTB's message repeats the token: say it in our words, without it.
        print(
            "Telegram rejected LINLI_BOT_TOKEN (401 Unauthorized): copy the token again from "
            "@BotFather (/mybots → API Token); `linli doctor` checks it.",
            file=sys.stderr,
        )
        return 2
    except _REPORTED:
        raise  # main() says these in one line
    except Exception:
        # A traceback Python prints itself bypasses the log handlers that mask the token and
        # the webhook secret: write it through them instead.
        logging.getLogger("linli").exception("linli stopped on an unexpected error")
        return 1
    finally:
        logging.getLogger().removeHandler(handler)  # main() may run again in this process


def _cmd_console(args: argparse.Namespace) -> int:
    from bot.console import run_console

    settings = load_settings()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return asyncio.run(run_console(settings, role=args.role, user_id=args.user_id))


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage import Database
    from storage.migrate import upgrade

    settings = load_settings()

    async def go() -> None:
        db = Database(settings.database_url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(go())
    print("Database is up to date.")
    return 0


def _cmd_kb_unanswered(args: argparse.Namespace) -> int:
    import datetime as dt

    from services.knowledge.unanswered import unanswered_groups
    from storage import Database
    from storage.migrate import prepare

    settings = load_settings()
    since = None
    if args.since:
        try:
            day = dt.date.fromisoformat(args.since)
        except ValueError:
            print(f"--since takes a date such as 2026-11-01, not {args.since!r}", file=sys.stderr)
            return 2
        since = dt.datetime.combine(day, dt.time(), tzinfo=settings.tz)

    async def go() -> int:
        db = Database(settings.database_url)
        try:
            await prepare(db)
            groups = await unanswered_groups(db, since=since)
        finally:
            await db.dispose()
        if not groups:
            print(
                "No unanswered or 👎-rated questions" + (f" since {args.since}." if since else ".")
            )
        for group in groups:
            extra = f", {group.disliked} rated 👎" if group.disliked else ""
            print(f"{group.count:4d}×  {group.example}{extra}")
            for other in group.questions[1:4]:
                print(f"       · {other}")
        return 0

    return asyncio.run(go())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linli", description="linli (邻里): the community service centre's Telegram bot."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser(
        "run", help="run the bot on Telegram (long polling, or a webhook with LINLI_WEBHOOK_URL)"
    )
    run.set_defaults(func=_cmd_run)

    console = sub.add_parser("console", help="chat with linli in this terminal, no Telegram")
    console.add_argument(
        "--as",
        dest="role",
        choices=["resident", "staff", "official", "admin"],
        default="resident",
        help="who you are in the console (default: resident)",
    )
    console.add_argument("--user-id", type=int, default=None, help="your pretend Telegram id")
    console.set_defaults(func=_cmd_console)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=_cmd_db_upgrade)
    from bot.cli.backup import add_backup_commands

    add_backup_commands(db_sub)

    kb_commands = add_kb_commands(sub)
    unanswered = kb_commands.add_parser(
        "unanswered", help="questions that got no answer or a 👎, grouped, most frequent first"
    )
    unanswered.add_argument(
        "--since", help="only questions asked on or after this date (YYYY-MM-DD)"
    )
    unanswered.set_defaults(func=_cmd_kb_unanswered)

    from bot.cli.outbox import add_outbox_commands
    from bot.cli.staff import add_staff_commands

    add_outbox_commands(sub)
    from bot.cli.report import add_report_commands

    add_report_commands(sub)
    from bot.cli.bulletin import add_bulletin_commands

    add_bulletin_commands(sub)
    from bot.cli.calendar import add_calendar_commands

    add_calendar_commands(sub)
    from bot.cli.doctor import add_doctor_command

    add_doctor_command(sub)

    staff = sub.add_parser("staff", help="give or take staff, official and admin roles")
    add_staff_commands(staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True))
    from bot.cli.resident import add_resident_commands

    add_resident_commands(sub)
    from bot.cli.district import add_district_commands

    add_district_commands(sub)
    from bot.cli.canned import add_canned_commands

    add_canned_commands(sub)
    return parser


def _problems(what: str, problems: Sequence[object]) -> int:
    print(f"{what}; fix them and start again:", file=sys.stderr)
    for problem in problems[:20]:
        print(f"  {problem}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # inside the try: a reader that went away is handled below
        return code
    except BrokenPipeError:
        # The reader went away (`linli report | head`): not an error of ours. Point stdout at
        # /dev/null so that flushing it at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a process ended by SIGPIPE
    except (SettingsError, PendingMigrationsError, UnknownRevisionError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KnowledgeBaseError as exc:
        return _problems("The knowledge base has problems", exc.problems)
    except DistrictError as exc:
        what = "The district's configuration (LINLI_DISTRICT_DIR) has problems"
        return _problems(what, exc.problems)
    except HolidayFileError as exc:
        return _problems("The holiday file (LINLI_HOLIDAYS_FILE) has problems", exc.problems)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
