"""Reading a bulletin typed in one message, as officials do in Telegram:

    every=weekly at=09:00 weekday=mon topic=disclosure name=每周居务公开
    本周（{period}）共受理 {received} 件，办结 {resolved} 件……

Leading ``key=value`` words set the schedule and the audience; everything after them (line
breaks kept) is the template. Keys: every (daily, weekly, monthly, quarterly, or 每天, 每周,
每月, 每季度), at (09:00), weekday (weekly: mon…sun, 周一…周日), day (monthly and quarterly:
1-31), name (defaults to the first words of the text), and the audience: topic=<topic>,
community=<tag>, building=<tag>, or to=all|staff (all residents when none is given).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from services.errors import InvalidInput
from services.notices.audience_places import UnknownPlace, building_audience, community_audience
from services.notices.bulletins import BulletinSpec, parse_weekday
from services.notices.subscriptions import TOPICS, parse_clock
from services.notices.views import Audience

_WORD = re.compile(r"\s*([a-z_]+)=(\S+)")
_EMPTY_WORD = re.compile(r"\s*([a-z_]+)=(\s|$)")  # "name= 每周公开": a space after "="
_EVERY = {
    "daily": "daily",
    "weekly": "weekly",
    "monthly": "monthly",
    "quarterly": "quarterly",
    "每天": "daily",
    "每日": "daily",
    "每周": "weekly",
    "每月": "monthly",
    "每季": "quarterly",
    "每季度": "quarterly",
}
_KEYS = frozenset({"every", "at", "weekday", "day", "name", "topic", "community", "building", "to"})
NAME_WORDS = 30
T = TypeVar("T")


class BulletinArgsError(InvalidInput):
    """A bulletin that cannot be read: ``code`` says what is wrong, ``value`` with what."""

    def __init__(self, code: str, value: str = "") -> None:
        super().__init__(f"{code}: {value!r}")
        self.code = code
        self.value = value


def parse_bulletin(text: str) -> BulletinSpec:
    """The BulletinSpec typed in ``text``; BulletinArgsError naming the first problem."""
    words: dict[str, str] = {}
    position = 0
    while (match := _WORD.match(text, position)) is not None:
        key, value = match[1], match[2]
        if key not in _KEYS:
            raise BulletinArgsError("bad_key", key)
        words[key] = value
        position = match.end()
    if (empty := _EMPTY_WORD.match(text, position)) is not None and empty[1] in _KEYS:
        raise BulletinArgsError("empty_value", empty[1])
    template = text[position:].strip()
    if not template or not words:
        raise BulletinArgsError("usage")
    # Written in part: the first thing missing or wrong is named, not the whole usage again.
    if "every" not in words:
        raise BulletinArgsError("need_every")
    recurrence = _EVERY.get(words["every"].lower())
    if recurrence is None:
        raise BulletinArgsError("bad_every", words["every"])
    if "at" not in words:
        raise BulletinArgsError("need_at")
    return BulletinSpec(
        name=words.get("name") or template.splitlines()[0][:NAME_WORDS],
        recurrence=recurrence,
        at=_read(parse_clock, words["at"], "bad_time"),
        audience=_audience(words),
        template=template,
        weekday=_weekday(recurrence, words.get("weekday")),
        day_of_month=_day(recurrence, words.get("day")),
    )


def _read(parse: Callable[[str], T], value: str, code: str) -> T:
    try:
        return parse(value)
    except InvalidInput:
        raise BulletinArgsError(code, value) from None


def _weekday(recurrence: str, value: str | None) -> int | None:
    if recurrence != "weekly":
        if value is not None:
            raise BulletinArgsError("weekday_not_weekly", value)
        return None
    if value is None:
        raise BulletinArgsError("need_weekday")
    return _read(parse_weekday, value, "bad_weekday")


def _day(recurrence: str, value: str | None) -> int | None:
    if recurrence not in ("monthly", "quarterly"):
        if value is not None:
            raise BulletinArgsError("day_not_monthly", value)
        return None
    if value is None:
        raise BulletinArgsError("need_day")
    if not value.isdigit() or not 1 <= int(value) <= 31:
        raise BulletinArgsError("bad_day", value)
    return int(value)


def _audience(words: dict[str, str]) -> Audience:
    chosen = [k for k in ("topic", "community", "building", "to") if k in words]
    if len(chosen) > 1:
        raise BulletinArgsError("two_audiences", " ".join(chosen))
    if "topic" in words:
        wanted = words["topic"].casefold()
        for topic in TOPICS:
            if wanted in (topic.id, topic.title, topic.title_en.casefold()):
                return Audience.topic(topic.id)
        raise BulletinArgsError("unknown_topic", words["topic"])
    try:
        if "community" in words:
            return community_audience(words["community"])
        if "building" in words:
            return building_audience(words["building"])
    except UnknownPlace as unknown:
        raise BulletinArgsError(f"unknown_{unknown.kind}", unknown.text) from None
    to = words.get("to", "all").lower()
    if to in ("all", "全体", "全体居民"):
        return Audience.everyone()
    if to in ("staff", "工作人员"):
        return Audience.staff()
    raise BulletinArgsError("bad_to", to)
