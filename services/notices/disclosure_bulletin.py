"""The monthly disclosure (居务公开) as a bulletin: the {disclosure} placeholder and its default.

``DisclosureFigures`` is a bulletin figure source (services.bulletin_figures.FigureSource):
the ticket figures plus ``{disclosure}``, the text of services.disclosure for the month
before the run. A bulletin run computes its figures inside its own transaction, and a second
transaction in the same task is refused (it would deadlock on SQLite), so the report is read
through that transaction's session (ReportService.report_in), by the very code officials'
/stats uses.

``ensure_default_disclosure`` defines the monthly bulletin once (1st of the month, 09:00,
topic 居务公开); ``preview`` shows an official the text residents receive for a month.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notices.bulletin_figures import FigureSource, TicketFigures
from services.notices.bulletins import BulletinService, BulletinSpec, NameTaken
from services.notices.disclosure import disclosure_text, previous_month
from services.notices.views import OPERATOR, Audience, BulletinView
from services.reports import ReportService
from storage import Database
from storage.models import Bulletin, Recurrence

PLACEHOLDER = "disclosure"
TOPIC = "disclosure"
DEFAULT_NAME = "居务公开（每月）"
DEFAULT_TEMPLATE = "{disclosure}"
DEFAULT_DAY = 1
DEFAULT_AT = time(9, 0)


class DisclosureFigures:
    """Ticket figures plus {disclosure}: the previous month's disclosure text."""

    def __init__(self, reports: ReportService, base: FigureSource | None = None) -> None:
        self._reports = reports
        self._base: FigureSource = base or TicketFigures()
        self.names: frozenset[str] = self._base.names | {PLACEHOLDER}

    async def compute(
        self, session: AsyncSession, recurrence: Recurrence, run_at: datetime, tz: ZoneInfo
    ) -> dict[str, str]:
        """The base figures and the disclosure of the month before ``run_at``'s day."""
        figures = await self._base.compute(session, recurrence, run_at, tz)
        figures[PLACEHOLDER] = await self.disclosure_in(session, run_at, tz)
        return figures

    async def disclosure_in(self, session: AsyncSession, run_at: datetime, tz: ZoneInfo) -> str:
        """The disclosure a run at ``run_at`` sends, read through ``session``."""
        period = previous_month(run_at.astimezone(tz).date())
        return disclosure_text(await self._reports.report_in(session, period, now=run_at))


async def preview(reports: ReportService, telegram_id: int, period: str | None) -> str:
    """What residents receive for ``period`` (default: last month), for officials and admins.

    Raises PermissionDenied for anyone else, PeriodError for an unreadable period and
    InvalidInput for one that has not started.
    """
    await reports.require_reader(telegram_id)
    spec = (period or "").strip()
    chosen = reports.parse_period(spec) if spec else previous_month(reports.today())
    return disclosure_text(await reports.report(chosen))


def default_spec() -> BulletinSpec:
    """The monthly 居务公开 bulletin linli ships with."""
    return BulletinSpec(
        name=DEFAULT_NAME,
        recurrence=Recurrence.MONTHLY.value,
        at=DEFAULT_AT,
        audience=Audience.topic(TOPIC),
        template=DEFAULT_TEMPLATE,
        day_of_month=DEFAULT_DAY,
    )


async def ensure_default_disclosure(
    bulletins: BulletinService, db: Database
) -> BulletinView | None:
    """Define the monthly disclosure bulletin unless one was ever defined; call at start.

    "Ever": a disclosure bulletin an official removed stays removed (the check includes
    removed bulletins), so a restart does not bring back what someone chose to stop.
    Returns the new bulletin, or None when there was one already.
    """
    async with db.transaction() as session:
        existing = await session.scalars(
            select(Bulletin.id).where(
                (Bulletin.name == DEFAULT_NAME)
                | Bulletin.template.contains("{" + PLACEHOLDER + "}")
            )
        )
        if existing.first() is not None:
            return None
    try:
        return await bulletins.add(OPERATOR, default_spec())
    except NameTaken:  # another process, starting at the same time, defined it first
        return None
