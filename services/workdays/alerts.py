"""Telling admins in Telegram that the working-day calendar is about to run out.

Due times count working days from ``WorkCalendar``: chinese-calendar, plus the operator's
holiday file for years its releases do not know yet. A year known to neither is counted
Monday–Friday, so due dates around its holidays are off. The start-up log says so, but the
operators of a bot that runs for months never read it; this use case puts it in front of
the admins instead. The scheduler wakes it daily; for each year within ``WARN_AHEAD`` that
nobody covers it queues one message per active admin, at most once a week (the outbox's
idempotency key carries the year and the ISO week), until the year is added to the holiday
file or chinese-calendar is upgraded, and linli restarted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from services.workdays.worktime import WorkCalendar
from storage import Database, Role
from storage.repositories.reminders import add_messages, list_active_with_roles

Clock = Callable[[], datetime]
# The State Council publishes a year's schedule around November: warn early enough to add it.
WARN_AHEAD = timedelta(days=60)
MESSAGE_KEY = "calendar.uncovered"
KEY_PREFIX = "calendar-uncovered"


class HolidayAlertService:
    """Weekly reminders to admins about years whose holidays linli does not know."""

    def __init__(
        self, db: Database, clock: Clock, calendar: WorkCalendar, default_language: str = "zh-Hans"
    ) -> None:
        self._db = db
        self._clock = clock
        self.calendar = calendar
        self._default_language = default_language

    def years_running_out(self, today: date) -> list[int]:
        """The years from ``today`` to ``WARN_AHEAD`` later that nobody has the schedule of."""
        return self.calendar.years_not_covered(today, today + WARN_AHEAD)

    async def warn_admins(self, now: datetime | None = None) -> int:
        """Queue this week's message about each uncovered year to every active admin.

        Returns how many rows were queued: none when every year within ``WARN_AHEAD`` is
        covered, and none on a second run in the same week.
        """
        now = now or self._clock()
        today = now.astimezone(self.calendar.tz).date()
        years = self.years_running_out(today)
        if not years:
            return 0
        iso = today.isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        source = self.calendar.holidays.source if self.calendar.holidays else ""
        async with self._db.transaction() as session:
            admins = await list_active_with_roles(session, [Role.ADMIN])
            messages = [
                {
                    "chat_id": admin.chat_id,
                    "telegram_id": admin.telegram_id,
                    "language": admin.language or self._default_language,
                    "message_key": MESSAGE_KEY,
                    # Every day of the year is counted Monday–Friday, from its first.
                    "params": {"year": year, "start": date(year, 1, 1).isoformat(), "file": source},
                    "idempotency_key": f"{KEY_PREFIX}:{year}:{week}:{admin.telegram_id}",
                }
                for year in years
                for admin in admins
            ]
            return await add_messages(session, messages, now)
