"""Reading the sending time an official types while composing a broadcast.

Times are read in the district's timezone: "2026-12-01 09:00", "12-01 9:00", "明天 9:00",
"后天 下午3点", "tomorrow 9:00", or a bare "21:30" (today).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.errors import InvalidInput
from services.notices.broadcasts import MAX_AHEAD

_DAY_WORDS = {
    "今天": 0,
    "今日": 0,
    "today": 0,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "后天": 2,
    "後天": 2,
}
_AFTERNOON = ("下午", "晚上", "傍晚", "pm")
_MORNING = ("上午", "早上", "早晨", "凌晨", "中午", "am")
_DATE = re.compile(r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_CLOCK = re.compile(r"(\d{1,2})\s*(?:[:：]\s*(\d{2})|[点點時时]\s*(?:(\d{1,2})\s*分?|(半))?)")


class SendTimeError(InvalidInput):
    """A typed sending time that cannot be used; ``reason`` is malformed, past or too_far."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


def parse_send_at(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The moment ``text`` names (timezone-aware), in the future and within a year of ``now``.

    Raises SendTimeError (an InvalidInput) saying whether it was unreadable, past or too far.
    """
    words = text.strip().lower()
    local_now = now.astimezone(tz)
    day, rest = _day(words, local_now.date())
    clock = _clock(rest)
    if day is None or clock is None:
        raise SendTimeError("malformed", text)
    send_at = datetime.combine(day, clock, tzinfo=tz)
    if send_at <= now:
        raise SendTimeError("past", text)
    if send_at - now > MAX_AHEAD:
        raise SendTimeError("too_far", text)
    return send_at


def _day(words: str, today: date) -> tuple[date | None, str]:
    """The day the words name (today when none) and the words left for the time of day."""
    for word, offset in _DAY_WORDS.items():
        if words.startswith(word):
            return today + timedelta(days=offset), words[len(word) :]
    match = _DATE.match(words)
    if match is None:
        return today, words
    year = int(match[1]) if match[1] else today.year
    try:
        day = date(year, int(match[2]), int(match[3]))
    except ValueError:
        return None, words
    if match[1] is None and day < today:
        day = day.replace(year=year + 1)  # "01-05" in December means next January
    return day, words[match.end() :]


def _clock(words: str) -> time | None:
    """The time of day in ``words`` (all of them), or None."""
    words = words.strip().lstrip("t").strip()
    shift = 0
    for marker in _AFTERNOON + _MORNING:
        if marker in words:
            shift = 12 if marker in _AFTERNOON else 0
            words = words.replace(marker, "").strip()
    match = _CLOCK.fullmatch(words)
    if match is None:
        return None
    hour = int(match[1])
    minute = int(match[2] or match[3] or 0) + (30 if match[4] else 0)
    if shift and hour < 12:
        hour += shift
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
