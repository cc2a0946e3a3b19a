"""``linli calendar check``, and the working-day calendar every command runs with.

Working days come from chinese-calendar and, for years its releases do not know yet, from
the operator's holiday file (``LINLI_HOLIDAYS_FILE``, format in ``holidays.example.yaml``).
"""

from __future__ import annotations

import argparse
import logging
from datetime import date, datetime
from typing import Any

from bot.cli.args import calendar_year
from bot.settings import Settings, load_settings
from services.workdays.alerts import WARN_AHEAD
from services.workdays.holidays import load_holiday_file
from services.workdays.worktime import LIBRARY, WorkCalendar, YearCoverage

log = logging.getLogger("linli.calendar")
EXAMPLE = "holidays.example.yaml"


def work_calendar(settings: Settings) -> WorkCalendar:
    """The calendar with the holiday file, if one is set (HolidayFileError if it is broken)."""
    path = settings.holidays_file
    return WorkCalendar(holidays=load_holiday_file(path) if path is not None else None)


def warn_if_calendar_runs_out(calendar: WorkCalendar, today: date) -> list[int]:
    """Log a warning for each year within ``WARN_AHEAD`` nobody has the schedule of."""
    missing = calendar.years_not_covered(today, today + WARN_AHEAD)
    for year in missing:
        log.warning(
            "The holidays of %d are known neither to %s nor to the holiday file: from %s "
            "due times count Monday-Friday only. %s",
            year,
            LIBRARY,
            max(today, date(year, 1, 1)),
            remedy(calendar, year),
        )
    return missing


def add_calendar_commands(subparsers: Any) -> Any:
    """Register ``calendar check`` on an argparse subparsers object."""
    calendar = subparsers.add_parser("calendar", help="working days: holidays and 调休 days")
    commands = calendar.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    check = commands.add_parser(
        "check", help="whether this year's and next year's holidays are known, and from where"
    )
    check.add_argument(
        "years",
        nargs="*",
        type=calendar_year,
        metavar="YEAR",
        help="default: this year and the next",
    )
    check.set_defaults(func=run_check)
    return commands


def run_check(args: argparse.Namespace) -> int:
    """Print each year's source; exit 1 when a year is not covered."""
    settings = load_settings()
    calendar = work_calendar(settings)
    this_year = _today(settings).year
    years = args.years or [this_year, this_year + 1]
    coverage = [calendar.coverage(year) for year in years]
    for year in coverage:
        print(f"{year.year}\t{_source(year, calendar)}")
    missing = [year.year for year in coverage if not year.covered]
    for year in missing:
        print(remedy(calendar, year))
    return 1 if missing else 0


def _today(settings: Settings) -> date:
    return datetime.now(settings.tz).date()


def _source(year: YearCoverage, calendar: WorkCalendar) -> str:
    file = f"holiday file {calendar.holidays.source}" if calendar.holidays else ""
    if year.in_file and year.in_library:
        return f"{file} (the days it names), {LIBRARY} (the rest)"
    if year.in_file:
        return file
    if year.in_library:
        return LIBRARY
    return "not covered: counted Monday–Friday"


def remedy(calendar: WorkCalendar, year: int) -> str:
    """How to add the holidays of `year`: the State Council notice and where to put them."""
    notice = f"国务院办公厅关于{year}年部分节假日安排的通知"
    where = (
        f"the holiday file {calendar.holidays.source}"
        if calendar.holidays
        else f"a holiday file and set LINLI_HOLIDAYS_FILE to it (format: {EXAMPLE})"
    )
    return (
        f"Add the holidays and 调休 days of {year} from the State Council's notice "
        f"({notice}) to {where}, or upgrade chinese-calendar once a release has them."
    )
