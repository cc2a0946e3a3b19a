"""Working time: due dates counted in working hours on Chinese working days.

Working days come from ``chinese_calendar`` (statutory holidays and the 调休 weekend days
that are worked instead), so nobody types a holiday table. The library only knows the years
the State Council has published; for a later year linli falls back to Monday–Friday and
logs a warning once per year, so due dates stay computable (if a little off) until the
library is upgraded.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

TIMEZONE = ZoneInfo("Asia/Shanghai")
WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 30)
# A limit further away than this is a configuration error, not a due date.
_MAX_DAYS = 3660


class WorkCalendar:
    """Working days and hours of the service centre."""

    def __init__(
        self,
        start: time = WORKDAY_START,
        end: time = WORKDAY_END,
        tz: ZoneInfo = TIMEZONE,
    ) -> None:
        if end <= start:
            raise ValueError("the working day must end after it starts")
        self.start = start
        self.end = end
        self.tz = tz
        self._warned_years: set[int] = set()
        # Every due time walks the days ahead; the calendar for a day never changes.
        self._days: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        """True on working days: weekdays that are not holidays, and 调休 weekend days."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned_years:
                self._warned_years.add(day.year)
                log.warning(
                    "chinese_calendar has no holiday data for %d: counting Monday-Friday as "
                    "working days; upgrade chinese-calendar",
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
