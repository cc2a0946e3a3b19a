"""A new due time as staff type it after /extend: a date and time, or "+N" working days.

    12月10日 18:00     2026-12-10 18:00     2026/12/10     12-10 9:30     +3

A date without a year is the nearest such date (typed in December, "3月1日" is next March;
"12月5日" typed on 6 December is yesterday, and refused as past by the service). A date
without a time means the end of that working day. "+N" moves the ticket's current
resolution due time by N working days (N times a working day's hours, holidays skipped).
Parsing is pure; whether the time is acceptable (future, at most MAX_WORKING_DAYS working
days past the current due time, on a working day, later than the current due time) is the
service's rule.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from services.errors import InvalidInput

MAX_WORKING_DAYS = 60  # a longer extension is a new plan, not an extension

_DATE = re.compile(
    r"(?:(?P<year>\d{4})\s*[-/年.]\s*)?(?P<month>\d{1,2})\s*[-/月.]\s*(?P<day>\d{1,2})\s*[日号]?"
)
_TIME = re.compile(r"(?P<hour>\d{1,2})\s*[:：点]\s*(?P<minute>\d{2})?\s*分?")
_DAYS = re.compile(r"\+\s*(?P<days>\d{1,3})\s*(?:个?工作日|天|d)?", re.IGNORECASE)


class BadDueTime(InvalidInput):
    """The text does not start with a due time linli understands."""

    def __init__(self) -> None:
        super().__init__("the new due time is not one linli understands")


class TooFar(InvalidInput):
    """More than ``limit`` working days past the current due time ("+999", or a date that
    far): understood, but too long for an extension; ``number`` once a ticket is known."""

    def __init__(self, limit: int, number: str | None = None) -> None:
        self.limit = limit
        self.number = number
        super().__init__(f"an extension is at most {limit} working days")


@dataclass(frozen=True, slots=True)
class NewDue:
    """A requested due time: a moment, or a number of working days past the current one."""

    at: datetime | None = None
    working_days: int | None = None


def split_due(text: str, today: date, tz: tzinfo, day_end: time) -> tuple[NewDue, str]:
    """The due time at the start of ``text`` and the rest (the reason, exactly as typed);
    BadDueTime if none."""
    typed = text.strip()
    # Full-width digits and colons (an input method's "１２月１０日１８：００") are read as
    # ASCII; each character is folded alone, so a position maps back to the typed text.
    folded = [unicodedata.normalize("NFKC", c) for c in typed]
    flat = "".join(folded)
    days = _DAYS.match(flat)
    if days is not None:
        count = int(days.group("days"))
        if count < 1:
            raise BadDueTime()
        if count > MAX_WORKING_DAYS:
            raise TooFar(MAX_WORKING_DAYS)
        return NewDue(working_days=count), _rest(typed, folded, days.end())
    found = _DATE.match(flat)
    if found is None:
        raise BadDueTime()
    end = found.end()
    clock = _TIME.match(flat, end + _spaces(flat, end))
    at_time = day_end
    if clock is not None:
        at_time = _time(clock.group("hour"), clock.group("minute"))
        end = clock.end()
    day = _day(found.group("year"), found.group("month"), found.group("day"), today)
    return NewDue(at=datetime.combine(day, at_time, tz)), _rest(typed, folded, end)


def _spaces(text: str, start: int) -> int:
    return len(text[start:]) - len(text[start:].lstrip())


def _rest(typed: str, folded: list[str], end: int) -> str:
    """What follows the first ``end`` characters of the folded text, as typed."""
    length = 0
    for index, piece in enumerate(folded):
        if length >= end:
            return typed[index:].strip()
        length += len(piece)
    return ""


def _time(hour: str, minute: str | None) -> time:
    try:
        return time(int(hour), int(minute or 0))
    except ValueError:
        raise BadDueTime() from None


def _day(year: str | None, month: str, day: str, today: date) -> date:
    years = [int(year)] if year is not None else [today.year - 1, today.year, today.year + 1]
    options = []
    for candidate in years:
        try:
            options.append(date(candidate, int(month), int(day)))
        except ValueError:
            continue  # no such day that year (13月, 2月30日, 2月29日 of a common year)
    if not options:
        raise BadDueTime()
    return min(options, key=lambda d: abs((d - today).days))
