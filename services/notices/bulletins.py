"""Regular bulletins: notices that officials define once and linli sends on a schedule.

A bulletin has a recurrence (daily, weekly, monthly, quarterly) at a local time, an audience
(as for notices) and a template whose placeholders are live figures (services.bulletin_figures).
Each run creates a notice, so delivery figures, quiet hours and cancelling work as for any
notice. ``run_due_bulletins`` (the scheduler calls it every minute) runs every due bulletin
once, even when several of its times were missed while linli was down, then moves its next
run past now. Officials and admins manage bulletins in Telegram; ``OPERATOR`` is the command
line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import InvalidInput, NotFound
from services.notices.broadcasts import MAX_TEXT, validate_audience
from services.notices.bulletin_figures import FigureSource, TicketFigures, check_template, render
from services.notices.bulletin_schedule import Schedule, latest_run, next_run
from services.notices.fanout import notice_view, queue_notice
from services.notices.views import Actor, Audience, BulletinView, NoticeView, require_official
from services.workdays.worktime import TIMEZONE
from storage import Database
from storage.models import Bulletin, NoticeStatus, Recurrence
from storage.repositories import bulletins as repo
from storage.repositories import notices as notices_repo

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
NAME_MAX = 100
# Room left for figures: a template this long still fits Telegram's limit once filled.
TEMPLATE_MAX = MAX_TEXT - 400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CHINESE_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class BulletinSpec:
    """What an official asks for: ``weekday`` (0 = Monday) only for weekly bulletins,
    ``day_of_month`` (1-31) only for monthly and quarterly ones."""

    name: str
    recurrence: str
    at: time
    audience: Audience
    template: str
    weekday: int | None = None
    day_of_month: int | None = None


def parse_weekday(text: str) -> int:
    """Read a weekday ("mon", "Monday", "1", "周一", "星期一") as 0-6; InvalidInput otherwise."""
    value = text.strip().lower()
    if len(value) >= 3 and value[:3] in WEEKDAYS:
        return WEEKDAYS.index(value[:3])
    if value.isdigit() and 1 <= int(value) <= 7:
        return int(value) - 1
    match = re.fullmatch(r"(?:周|星期|礼拜)([一二三四五六日天])", value)
    if match:
        return _CHINESE_WEEKDAYS.index(match[1].replace("天", "日"))
    raise InvalidInput(f"{text!r} is not a weekday: use mon, tue, wed, thu, fri, sat or sun")


def _schedule(spec: BulletinSpec) -> Schedule:
    """The spec's schedule; InvalidInput for a day that does not fit the recurrence."""
    try:
        recurrence = Recurrence(spec.recurrence)
    except ValueError:
        known = ", ".join(r.value for r in Recurrence)
        raise InvalidInput(f"unknown recurrence {spec.recurrence!r}; use {known}") from None
    weekly = recurrence is Recurrence.WEEKLY
    by_day = recurrence in (Recurrence.MONTHLY, Recurrence.QUARTERLY)
    if weekly != (spec.weekday is not None):
        raise InvalidInput("a weekday is needed for weekly bulletins, and only for them")
    if by_day != (spec.day_of_month is not None):
        raise InvalidInput("a day of the month is needed for monthly and quarterly bulletins only")
    if spec.weekday is not None and not 0 <= spec.weekday <= 6:
        raise InvalidInput("the weekday is 0 (Monday) to 6 (Sunday)")
    if spec.day_of_month is not None and not 1 <= spec.day_of_month <= 31:
        raise InvalidInput("the day of the month is 1 to 31 (31 means the last day)")
    return Schedule(
        recurrence,
        spec.at.replace(second=0, microsecond=0, tzinfo=None),
        spec.weekday,
        spec.day_of_month,
    )


def _schedule_of(bulletin: Bulletin) -> Schedule:
    at = time(bulletin.at_minute // 60, bulletin.at_minute % 60)
    return Schedule(Recurrence(bulletin.recurrence), at, bulletin.weekday, bulletin.day_of_month)


def bulletin_view(bulletin: Bulletin) -> BulletinView:
    """The frozen record of a bulletin."""
    return BulletinView(
        id=bulletin.id,
        name=bulletin.name,
        recurrence=bulletin.recurrence,
        at=time(bulletin.at_minute // 60, bulletin.at_minute % 60),
        weekday=bulletin.weekday,
        day_of_month=bulletin.day_of_month,
        audience=Audience(bulletin.audience_kind, bulletin.audience_value),
        template=bulletin.template,
        author_telegram_id=bulletin.author_telegram_id,
        created_at=bulletin.created_at,
        next_run_at=bulletin.next_run_at,
        last_run_at=bulletin.last_run_at,
    )


class NameTaken(InvalidInput):
    """A bulletin (not removed) has this name already."""


class BulletinService:
    """Define, list and remove bulletins; run the due ones (the scheduler's entry point)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        default_language: str = "zh-Hans",
        tz: ZoneInfo = TIMEZONE,
        figures: FigureSource | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._default_language = default_language
        self.tz = tz
        self.figures: FigureSource = figures or TicketFigures()

    def placeholders(self) -> frozenset[str]:
        """The placeholder names templates may use."""
        return self.figures.names

    async def add(self, actor: Actor, spec: BulletinSpec) -> BulletinView:
        """Define a bulletin; its first run is the first scheduled time after now."""
        schedule, name, template = self._check(spec)
        audience = validate_audience(spec.audience)
        now = self._clock()
        async with self._db.transaction() as session:
            author = await require_official(session, actor)
            await repo.lock_names(session)
            if any(b.name == name for b in await repo.list_bulletins(session)):
                raise NameTaken(f"a bulletin named {name!r} exists already")
            bulletin = await repo.add_bulletin(
                session,
                name=name,
                recurrence=schedule.recurrence.value,
                at_minute=schedule.at.hour * 60 + schedule.at.minute,
                weekday=schedule.weekday,
                day_of_month=schedule.day,
                audience_kind=audience.kind,
                audience_value=audience.value,
                template=template,
                author_telegram_id=author,
                created_at=now,
                next_run_at=next_run(schedule, now, self.tz),
            )
            return bulletin_view(bulletin)

    def _check(self, spec: BulletinSpec) -> tuple[Schedule, str, str]:
        schedule = _schedule(spec)
        name = spec.name.strip()
        if not name or len(name) > NAME_MAX:
            raise InvalidInput(f"a bulletin needs a name of 1 to {NAME_MAX} characters")
        template = spec.template.strip()
        if not template:
            raise InvalidInput("the bulletin text is empty")
        if len(template) > TEMPLATE_MAX:
            raise InvalidInput(f"the bulletin text has at most {TEMPLATE_MAX} characters")
        check_template(template, self.figures.names)
        return schedule, name, template

    async def list_bulletins(self, actor: Actor) -> list[BulletinView]:
        """Every bulletin that was not removed, by id."""
        async with self._db.transaction() as session:
            await require_official(session, actor)
            return [bulletin_view(b) for b in await repo.list_bulletins(session)]

    async def remove(self, actor: Actor, bulletin_id: int) -> BulletinView:
        """Stop a bulletin for good (notices it already sent are kept)."""
        async with self._db.transaction() as session:
            await require_official(session, actor)
            bulletin = await repo.get_bulletin(session, bulletin_id)
            if bulletin is None or bulletin.removed_at is not None:
                raise NotFound(f"bulletin {bulletin_id}")
            bulletin.removed_at = self._clock()
            return bulletin_view(bulletin)

    async def run_due_bulletins(self, now: datetime | None = None) -> list[NoticeView]:
        """Run every bulletin whose time has come, once each; returns the notices queued.

        One transaction per bulletin: moving its next run and writing its notice with all
        the notice's rows commit together, and the move is conditional, so a crash repeats
        nothing and two schedulers do not both run it.
        """
        now = now or self._clock()
        async with self._db.transaction() as session:
            due = [(b.id, b.next_run_at) for b in await repo.list_due_bulletins(session, now=now)]
        notices: list[NoticeView] = []
        for bulletin_id, expected in due:
            try:
                async with self._db.transaction() as session:
                    notice = await self._run(session, bulletin_id, expected, now)
            except Exception:
                # One broken bulletin must not hold the others back; it stays due and is
                # tried again at the next call.
                log.exception("bulletin %s failed to run", bulletin_id)
                continue
            if notice is not None:
                notices.append(notice)
        return notices

    async def _run(
        self, session: AsyncSession, bulletin_id: int, expected: datetime, now: datetime
    ) -> NoticeView | None:
        bulletin = await repo.get_bulletin(session, bulletin_id)
        if bulletin is None:
            return None
        schedule = _schedule_of(bulletin)
        moved = await repo.advance_bulletin(
            session,
            bulletin_id,
            expected_next=expected,
            next_run_at=next_run(schedule, now, self.tz),
            now=now,
        )
        if not moved:
            return None
        # Missed runs collapse into one, reporting on the period of the latest missed time.
        run_at = latest_run(schedule, now, self.tz)
        recurrence = schedule.recurrence
        figures = await self.figures.compute(session, recurrence, run_at, self.tz)
        notice = await notices_repo.add_notice(
            session,
            author_telegram_id=bulletin.author_telegram_id,
            text=render(bulletin.template, figures)[:MAX_TEXT],
            audience_kind=bulletin.audience_kind,
            audience_value=bulletin.audience_value,
            urgent=False,
            status=NoticeStatus.QUEUED.value,
            created_at=now,
            confirmed_at=now,
            queued_at=now,
            bulletin_id=bulletin.id,
        )
        await queue_notice(
            session, notice, now=now, tz=self.tz, default_language=self._default_language
        )
        return notice_view(notice)
