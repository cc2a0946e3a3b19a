"""When a bulletin runs, and which period of time its figures cover.

All calendar arithmetic is in local time (Asia/Shanghai by default) and results are
timezone-aware. A period is a day, a Monday-to-Sunday week, a calendar month or a calendar
quarter. Monthly and quarterly bulletins name a day of the month; in a shorter month they run
on its last day (the 31st runs on 30 April). Quarterly bulletins run in the first month of each
quarter (January, April, July, October).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.models import Recurrence


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurrence at a local time of day (``weekday`` 0 = Monday, ``day`` of the month)."""

    recurrence: Recurrence
    at: time
    weekday: int | None = None
    day: int | None = None


def period_start(recurrence: Recurrence, day: date) -> date:
    """The first day of the period (day, week, month, quarter) that ``day`` is in."""
    if recurrence is Recurrence.DAILY:
        return day
    if recurrence is Recurrence.WEEKLY:
        return day - timedelta(days=day.weekday())
    if recurrence is Recurrence.MONTHLY:
        return day.replace(day=1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def shift_period(recurrence: Recurrence, start: date, periods: int) -> date:
    """The start of the period ``periods`` after (or, negative, before) the one at ``start``."""
    if recurrence is Recurrence.DAILY:
        return start + timedelta(days=periods)
    if recurrence is Recurrence.WEEKLY:
        return start + timedelta(weeks=periods)
    months = periods * (1 if recurrence is Recurrence.MONTHLY else 3)
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _occurrence(schedule: Schedule, start: date, tz: ZoneInfo) -> datetime:
    """The schedule's run within the period beginning at ``start``."""
    if schedule.recurrence is Recurrence.WEEKLY:
        day = start + timedelta(days=schedule.weekday or 0)
    elif schedule.recurrence is Recurrence.DAILY:
        day = start
    else:
        last = calendar.monthrange(start.year, start.month)[1]
        day = start.replace(day=min(schedule.day or 1, last))
    return datetime.combine(day, schedule.at, tzinfo=tz)


def next_run(schedule: Schedule, after: datetime, tz: ZoneInfo) -> datetime:
    """The first run strictly after ``after``."""
    start = period_start(schedule.recurrence, after.astimezone(tz).date())
    run = _occurrence(schedule, start, tz)
    while run <= after:
        start = shift_period(schedule.recurrence, start, 1)
        run = _occurrence(schedule, start, tz)
    return run


def latest_run(schedule: Schedule, now: datetime, tz: ZoneInfo) -> datetime:
    """The last run at or before ``now`` (the one a late catch-up stands for)."""
    start = period_start(schedule.recurrence, now.astimezone(tz).date())
    run = _occurrence(schedule, start, tz)
    while run > now:
        start = shift_period(schedule.recurrence, start, -1)
        run = _occurrence(schedule, start, tz)
    return run


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of time figures are counted over: [start, end), and its label."""

    start: datetime
    end: datetime
    label: str


def window(recurrence: Recurrence, run_at: datetime, tz: ZoneInfo) -> Window:
    """The period a run at ``run_at`` reports on: the one *the day before the run* is in,
    up to the run at most.

    A Monday-morning weekly bulletin covers last Monday to Sunday; a Friday-evening one
    covers Monday until Friday evening; on the 1st a monthly one covers the month before;
    a daily one covers the previous day.
    """
    local = run_at.astimezone(tz)
    start = period_start(recurrence, (local - timedelta(days=1)).date())
    after = shift_period(recurrence, start, 1)
    begin = datetime.combine(start, time(), tzinfo=tz)
    end = min(local, datetime.combine(after, time(), tzinfo=tz))
    return Window(begin, end, _label(recurrence, start, after))


def _label(recurrence: Recurrence, start: date, after: date) -> str:
    if recurrence is Recurrence.DAILY:
        return start.isoformat()
    if recurrence is Recurrence.WEEKLY:
        return f"{start.isoformat()} 至 {(after - timedelta(days=1)).isoformat()}"
    if recurrence is Recurrence.MONTHLY:
        return f"{start.year}年{start.month}月"
    return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
