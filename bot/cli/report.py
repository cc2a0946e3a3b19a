"""``linli report``: the figures of a period as JSON, CSV or an Excel workbook.

The operator on the command line needs no role; personal data (residents' names, phones,
addresses) is only included with ``--with-personal-data``. JSON goes to standard output
unless ``--out`` names a file; CSV and xlsx are written to files (CSV as two: the figures
and, next to it, ``…-tickets.csv``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.calendar import work_calendar
from bot.cli.district import use_configured_district
from bot.settings import load_settings
from services.reports import PERIOD_FORMATS, PeriodError, Report, ReportService, export
from storage import Database
from storage.migrate import prepare

FORMATS = ("json", "csv", "xlsx")


def add_report_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``report`` on an argparse subparsers object."""
    report = subparsers.add_parser(
        "report", help="响应率 / 解决率 / 满意率 and the other figures of a period"
    )
    report.add_argument(
        "--period", default="month", help=f"default: this month; one of: {PERIOD_FORMATS}"
    )
    report.add_argument("--format", choices=FORMATS, default="json", dest="fmt")
    report.add_argument("--out", type=Path, default=None, help="file to write (default below)")
    report.add_argument(
        "--with-personal-data",
        action="store_true",
        help="include residents' names, phone numbers and addresses in the tickets sheet",
    )
    report.set_defaults(func=lambda a: asyncio.run(_report(a)))
    return report


async def _report(args: argparse.Namespace) -> int:
    settings = load_settings()
    use_configured_district(settings.district_dir)  # the communities' names
    calendar = work_calendar(settings)
    db = Database(settings.database_url)
    try:
        await prepare(db)
        service = ReportService(db, _now, calendar)
        try:
            period = service.parse_period(args.period)
        except PeriodError as exc:
            print(_period_problem(exc), file=sys.stderr)
            return 2
        report = await service.report(period, with_personal_data=args.with_personal_data)
    finally:
        await db.dispose()
    if report.is_empty:
        print(f"No tickets and no questions in {period.label}: every figure is zero.",
              file=sys.stderr)  # fmt: skip
    if args.out is not None and args.out.is_dir():
        print(f"Cannot write {args.out}: it is a folder; give a file name", file=sys.stderr)
        return 1
    try:
        return _write(report, args.fmt, args.out)
    except BrokenPipeError:
        raise  # the reader of stdout went away: bot.cli ends quietly
    except OSError as exc:
        print(f"Cannot write {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def _now() -> datetime:
    return datetime.now(UTC)


def _period_problem(exc: PeriodError) -> str:
    if exc.reason == "future":
        return f"The period {exc.text!r} has not started yet: there are no figures for it."
    if exc.reason == "too_long":
        return f"The period {exc.text!r} is longer than three years; pick a shorter one."
    return f"Cannot read the period {exc.text!r}. Use one of: {PERIOD_FORMATS}"


def _write(report: Report, fmt: str, out: Path | None) -> int:
    stem = f"linli-report-{report.period.label}"
    if fmt == "json":
        text = json.dumps(export.to_json(report), ensure_ascii=False, indent=2)
        if out is None:
            print(text)
            return 0
        out.write_text(text + "\n", encoding="utf-8")
        written = [out]
    elif fmt == "xlsx":
        out = out or Path(f"{stem}.xlsx")
        out.write_bytes(export.to_xlsx(report))
        written = [out]
    else:
        out = out or Path(f"{stem}.csv")
        tickets = out.with_name(f"{out.stem}-tickets.csv")
        out.write_bytes(export.to_csv(export.figure_rows(report)))
        tickets.write_bytes(export.to_csv(export.ticket_rows(report)))
        written = [out, tickets]
    personal = " (with personal data: keep it safe)" if report.with_personal_data else ""
    for path in written:
        print(f"Wrote {path}{personal}", file=sys.stderr)
    return 0
