"""Working time: due dates counted in working hours on Chinese working days.

Working days come from ``chinese_calendar`` (statutory holidays and the 调休 weekend days
that are worked instead), so nobody types a holiday table. The library only knows the years
the State Council had published by its release, so the operator can add a newly published
year in a holiday file (``services.holidays``). For each day:

1. a day the holiday file names is what the file says;
2. otherwise, in a year the library knows, what the library says;
3. otherwise, in a year the file names, Monday–Friday (as the State Council's schedule is);
4. otherwise Monday–Friday too, with a warning once per year: due dates stay computable (if
   a little off) until the year's schedule is added or the library is upgraded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import metadata
from zoneinfo import ZoneInfo

import chinese_calendar

from services.workdays.holidays import HolidayFile

log = logging.getLogger(__name__)

TIMEZONE = ZoneInfo("Asia/Shanghai")
WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 30)
# A limit further away than this is a configuration error, not a due date.
_MAX_DAYS = 3660
LIBRARY = f"chinese-calendar {metadata.version('chinese-calendar')}"
_LIBRARY_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


@dataclass(frozen=True, slots=True)
class YearCoverage:
    """Where a year's holidays and 调休 days come from."""

    year: int
    in_library: bool
    in_file: bool

    @property
    def covered(self) -> bool:
        return self.in_library or self.in_file


class WorkCalendar:
    """Working days and hours of the service centre."""

    def __init__(
        self,
        start: time = WORKDAY_START,
        end: time = WORKDAY_END,
        tz: ZoneInfo = TIMEZONE,
        holidays: HolidayFile | None = None,
    ) -> None:
        if end <= start:
            raise ValueError("the working day must end after it starts")
        self.start = start
        self.end = end
        self.tz = tz
        self.holidays = holidays
        self._warned_years: set[int] = set()
        # Every due time walks the days ahead; the calendar for a day never changes.
        self._days: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        """True on working days: weekdays that are not holidays, and 调休 weekend days."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._look_up(day)
        return known

    def coverage(self, year: int) -> YearCoverage:
        """Whether the library, the holiday file or neither knows ``year``'s schedule."""
        in_file = self.holidays is not None and year in self.holidays.years
        return YearCoverage(year, in_library=year in _LIBRARY_YEARS, in_file=in_file)

    def years_not_covered(self, first: date, last: date) -> list[int]:
        """The years from ``first`` to ``last`` whose schedule nobody has given linli."""
        years = range(first.year, last.year + 1)
        return [year for year in years if not self.coverage(year).covered]

    def _look_up(self, day: date) -> bool:
        named = self.holidays.is_workday(day) if self.holidays is not None else None
        if named is not None:
            return named
        if day.year in _LIBRARY_YEARS:
            return bool(chinese_calendar.is_workday(day))
        if not self.coverage(day.year).covered and day.year not in self._warned_years:
            self._warned_years.add(day.year)
            log.warning(
                "no holiday data for %d (neither %s nor the holiday file LINLI_HOLIDAYS_FILE "
                "has it): counting Monday-Friday as working days; add the State Council's "
                "schedule for %d to the holiday file, or upgrade chinese-calendar",
                day.year,
                LIBRARY,
                day.year,
            )
        return day.weekday() < 5

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` working hours after ``start`` (aware), in ``start``'s zone.

        Time outside working hours does not count: a ticket filed on a Friday evening before
        a holiday week starts its clock on the next working morning.
        """
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(self.tz)
        for _ in range(_MAX_DAYS):
            day_start = datetime.combine(cursor.date(), self.start, self.tz)
            day_end = datetime.combine(cursor.date(), self.end, self.tz)
            if not self.is_workday(cursor.date()) or cursor >= day_end:
                cursor = day_start + timedelta(days=1)
                continue
            cursor = max(cursor, day_start)
            if remaining <= day_end - cursor:
                return (cursor + remaining).astimezone(start.tzinfo)
            remaining -= day_end - cursor
            cursor = day_start + timedelta(days=1)
        raise ValueError(f"{hours} working hours is more than {_MAX_DAYS} days away")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The moment ``days`` full working days' hours after ``start`` (holidays skipped)."""
        day = datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)
        return self.add_working_hours(start, days * day.total_seconds() / 3600)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from ``start`` to ``end`` (0 when end is not after start)."""
        total = timedelta()
        cursor = start.astimezone(self.tz)
        stop = end.astimezone(self.tz)
        while cursor < stop:
            day_start = datetime.combine(cursor.date(), self.start, self.tz)
            day_end = datetime.combine(cursor.date(), self.end, self.tz)
            if self.is_workday(cursor.date()):
                lo, hi = max(cursor, day_start), min(stop, day_end)
                if hi > lo:
                    total += hi - lo
            cursor = day_start + timedelta(days=1)
        return total.total_seconds() / 3600
