"""Residents' notice preferences: topics, quiet hours, /stop, and being asked once.

Rules (the fan-out in services.notice_fanout applies them):

- A notice to a topic reaches the topic's subscribers; "all" reaches every active resident.
- Quiet hours (default 22:00-07:00 local time, per resident; start == end means none): a
  non-urgent notice written during them waits in the outbox until they end. Urgent notices
  (停水停电, safety) are sent at once.
- /stop: no notices and no bulletins at all, urgent ones included. A resident who says stop
  is taken at their word (and Telegram treats unwanted bulk messages as spam); quiet hours
  are the tool for "not at night". Personal messages about their own tickets still come,
  and notices to the staff audience still reach staff (work messages). Subscribing to a
  topic, or resume(), ends /stop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import InvalidInput, NotFound
from services.workdays.worktime import TIMEZONE
from storage import Database
from storage.models import Resident
from storage.repositories import residents as residents_repo
from storage.repositories import subscriptions as repo

Clock = Callable[[], datetime]
DEFAULT_QUIET = (time(22, 0), time(7, 0))
TAG_MAX = 64


@dataclass(frozen=True, slots=True)
class Topic:
    """A notice topic: ascii id (callback data), titles, and its catalog key ``topic.<id>``."""

    id: str
    title: str
    title_en: str

    @property
    def catalog_key(self) -> str:
        return f"topic.{self.id}"


TOPICS: tuple[Topic, ...] = (
    Topic("water_power", "停水停电", "Water & power cuts"),
    Topic("activities", "社区活动", "Community activities"),
    Topic("policy", "政策解读", "Policy explained"),
    Topic("disclosure", "居务公开", "Public disclosure"),
)
_TOPIC_IDS = {topic.id: topic for topic in TOPICS}


def get_topic(topic_id: str) -> Topic:
    """The topic with this id; InvalidInput naming the known ones otherwise."""
    try:
        return _TOPIC_IDS[topic_id]
    except KeyError:
        known = ", ".join(_TOPIC_IDS)
        raise InvalidInput(f"unknown topic {topic_id!r}; topics are {known}") from None


def parse_clock(text: str) -> time:
    """Read a time of day ("7:00", "22:30", "0730"); InvalidInput for anything else."""
    match = re.fullmatch(r"\s*(\d{1,2})[:：]?(\d{2})\s*", text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput(f"{text!r} is not a time of day such as 07:00 or 22:30")
    return time(int(match[1]), int(match[2]))


def release_time(now: datetime, start_minute: int, end_minute: int, tz: ZoneInfo) -> datetime:
    """When a non-urgent message written at ``now`` may be sent: now, or the end of quiet hours.

    Quiet hours run from ``start_minute`` to ``end_minute`` (local minutes after midnight) and
    may wrap midnight (22:00-07:00); equal values mean the resident has none.
    """
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute
    if start_minute == end_minute:
        return now
    if start_minute < end_minute:
        quiet = start_minute <= minute < end_minute
    else:
        quiet = minute >= start_minute or minute < end_minute
    if not quiet:
        return now
    end = time(end_minute // 60, end_minute % 60)
    release = datetime.combine(local.date(), end, tzinfo=tz)
    if release <= local:
        release = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return release


@dataclass(frozen=True, slots=True)
class PreferencesView:
    """A resident's notice preferences; ``quiet_start == quiet_end`` means no quiet hours."""

    telegram_id: int
    topics: tuple[str, ...]
    quiet_start: time
    quiet_end: time
    stopped: bool
    asked: bool
    community: str | None
    building: str | None


class SubscriptionService:
    """Topics, quiet hours, /stop and home tags of the person asking (no role needed)."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo = TIMEZONE) -> None:
        self._db = db
        self._clock = clock
        self.tz = tz

    @staticmethod
    def topics() -> tuple[Topic, ...]:
        """Every topic, in the order to show them."""
        return TOPICS

    async def preferences(self, telegram_id: int) -> PreferencesView:
        """The resident's current preferences; NotFound if they never wrote to linli."""
        async with self._db.transaction() as session:
            row = await _resident(session, telegram_id)
            return _view(row, await repo.list_topics(session, row.id))

    async def subscribe(self, telegram_id: int, topic_id: str) -> PreferencesView:
        """Subscribe to a topic (again is harmless); this also ends /stop."""
        get_topic(topic_id)
        async with self._db.transaction() as session:
            row = await _resident(session, telegram_id)
            await repo.add_subscription(session, row.id, topic_id, now=self._clock())
            row.notices_stopped = False
            row.subscriptions_asked = True
            return _view(row, await repo.list_topics(session, row.id))

    async def unsubscribe(self, telegram_id: int, topic_id: str) -> PreferencesView:
        """Stop one topic (not subscribed is harmless)."""
        get_topic(topic_id)
        async with self._db.transaction() as session:
            row = await _resident(session, telegram_id)
            await repo.remove_subscription(session, row.id, topic_id)
            return _view(row, await repo.list_topics(session, row.id))

    async def set_quiet_hours(self, telegram_id: int, start: time, end: time) -> PreferencesView:
        """Set quiet hours (local times; equal times switch them off)."""
        async with self._db.transaction() as session:
            row = await _resident(session, telegram_id)
            row.quiet_start_minute = start.hour * 60 + start.minute
            row.quiet_end_minute = end.hour * 60 + end.minute
            return _view(row, await repo.list_topics(session, row.id))

    async def stop_all(self, telegram_id: int) -> PreferencesView:
        """/stop: no notices or bulletins any more (subscriptions are kept for resume)."""
        return await self._set_stopped(telegram_id, True)

    async def resume(self, telegram_id: int) -> PreferencesView:
        """Undo /stop: notices on subscribed topics and to everyone come again."""
        return await self._set_stopped(telegram_id, False)

    async def _set_stopped(self, telegram_id: int, stopped: bool) -> PreferencesView:
        async with self._db.transaction() as session:
            row = await _resident(session, telegram_id)
            row.notices_stopped = stopped
            return _view(row, await repo.list_topics(session, row.id))

    async def set_home(
        self, telegram_id: int, community: str | None, building: str | None
    ) -> PreferencesView:
        """The community and building the resident lives in (None clears a tag)."""
        community, building = _tag(community), _tag(building)
        async with self._db.transaction() as session:
            row = await _resident(session, telegram_id)
            row.community, row.building = community, building
            return _view(row, await repo.list_topics(session, row.id))

    async def claim_first_ask(self, telegram_id: int) -> bool:
        """True exactly once per resident: the moment to ask them which topics they want."""
        async with self._db.transaction() as session:
            return await repo.claim_first_ask(session, telegram_id)


def _tag(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > TAG_MAX:
        raise InvalidInput(f"a community or building name has at most {TAG_MAX} characters")
    return value


async def _resident(session: AsyncSession, telegram_id: int) -> Resident:
    row = await residents_repo.get_resident(session, telegram_id)
    if row is None:
        raise NotFound("resident")
    return row


def _view(row: Resident, topics: list[str]) -> PreferencesView:
    return PreferencesView(
        telegram_id=row.telegram_id,
        topics=tuple(topics),
        quiet_start=time(row.quiet_start_minute // 60, row.quiet_start_minute % 60),
        quiet_end=time(row.quiet_end_minute // 60, row.quiet_end_minute % 60),
        stopped=row.notices_stopped,
        asked=row.subscriptions_asked,
        community=row.community,
        building=row.building,
    )
