"""Report periods: what "week", "2026-11" or "2026-11-01..2026-11-15" mean, in days.

A period is a run of whole days in the district's time zone, ``start`` included and ``end``
excluded. Relative words (week, month, quarter) mean the calendar week (Monday first),
month or quarter that contains today, so "month" on 12 November is 1–30 November, of which
the days still to come simply hold nothing yet. A period that starts after today is refused:
it can hold no figures, and saying so is clearer than a page of zeros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from services.errors import InvalidInput

PERIOD_FORMATS = "week, month, quarter, 2026-11, 2026-Q4, 2026-W45, 2026-11-01..2026-11-15"
"""What ``parse_period`` accepts, for error messages and help texts."""

MAX_DAYS = 3 * 366  # a longer range is almost surely a typo in the year

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|~|到|至)\s*(\d{4}-\d{1,2}-\d{1,2})$")


class PeriodError(InvalidInput):
    """A period that cannot be reported on; ``reason`` is malformed, future or too_long."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"period {text!r}: {reason} (use one of: {PERIOD_FORMATS})")


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days from ``start`` (included) to ``end`` (excluded)."""

    kind: str  # week, month, quarter or range
    start: date
    end: date
    label: str  # "2026-11", "2026-Q4", "2026-W45" or "2026-11-01..2026-11-15"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """The period as aware instants: midnight of ``start`` to midnight of ``end``."""
        return datetime.combine(self.start, time(), tz), datetime.combine(self.end, time(), tz)


def month_period(year: int, month: int) -> Period:
    """The calendar month ``year``-``month``."""
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return Period("month", start, end, f"{year:04d}-{month:02d}")


def quarter_period(year: int, quarter: int) -> Period:
    """The calendar quarter (1–4) of ``year``."""
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period("quarter", start, end, f"{year:04d}-Q{quarter}")


def week_period(year: int, week: int) -> Period:
    """The ISO week (Monday to Sunday) ``week`` of ``year``."""
    start = date.fromisocalendar(year, week, 1)
    return Period("week", start, start + timedelta(days=7), f"{year:04d}-W{week:02d}")


def parse_period(text: str, today: date) -> Period:
    """The period ``text`` names, judged on ``today`` (the district's date).

    Raises PeriodError for text it cannot read, a period that starts after ``today`` and
    a range longer than three years.
    """
    spec = text.strip()
    try:
        period = _read(spec.lower(), today)
    except ValueError:  # month 13, week 54, 31 February...
        period = None
    if period is None:
        raise PeriodError(spec, "malformed")
    if period.start > today:
        raise PeriodError(spec, "future")
    if period.days > MAX_DAYS:
        raise PeriodError(spec, "too_long")
    return period


def _read(spec: str, today: date) -> Period | None:
    if spec in ("week", "本周", "周"):
        year, week, _ = today.isocalendar()
        return week_period(year, week)
    if spec in ("month", "本月", "月"):
        return month_period(today.year, today.month)
    if spec in ("quarter", "本季度", "季度"):
        return quarter_period(today.year, (today.month - 1) // 3 + 1)
    if match := _MONTH.match(spec):
        return month_period(int(match[1]), int(match[2]))
    if match := _QUARTER.match(spec):
        return quarter_period(int(match[1]), int(match[2]))
    if match := _WEEK.match(spec):
        return week_period(int(match[1]), int(match[2]))
    if match := _RANGE.match(spec):
        first, last = _day(match[1]), _day(match[2])
        if last < first:
            return None
        label = f"{first.isoformat()}..{last.isoformat()}"
        return Period("range", first, last + timedelta(days=1), label)
    return None


def _day(text: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)
