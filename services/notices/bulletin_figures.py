"""Live figures a bulletin template can quote, and the check of a template's placeholders.

``TicketFigures`` is deliberately small and self-contained: the reports area
(services/reports) can replace it with a source of the same shape (``names`` and
``compute``) without the bulletin service changing. Figures are strings, ready to be put
into Chinese text.

Placeholders (own period = the bulletin's recurrence, see bulletin_schedule.window):
  {period}          label of the own period, e.g. 2026年11月, 2026-11-02 至 2026-11-08
  {date}            the day of the run, 2026-12-01
  {received}        tickets filed in the own period      {resolved} tickets resolved in it
  {satisfaction}    share of ratings 4-5 of tickets resolved in it ("暂无评价" when none)
  {ratings}         how many of those were rated
  {top_categories}  the three categories with most tickets filed ("噪音扰民 5件、…" or "无")
  {week_received} {week_resolved} {month_received} {month_resolved}
  {quarter_received} {quarter_resolved}   the same counts over the week / month / quarter
                    (each: the one the day before the run is in, up to the run)
  {open_tickets}    tickets still open at the run
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from string import Formatter
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import InvalidInput
from services.notices.bulletin_schedule import window
from services.tickets.categories import all_categories
from storage.models import OPEN_STATUSES, Recurrence
from storage.repositories import bulletins as repo

SATISFIED_FROM = 4  # a rating of 4 or 5 (out of 5) counts as satisfied
TOP_CATEGORIES = 3


class FigureSource(Protocol):
    """Anything that can fill a bulletin's placeholders."""

    names: frozenset[str]

    async def compute(
        self, session: AsyncSession, recurrence: Recurrence, run_at: datetime, tz: ZoneInfo
    ) -> dict[str, str]:
        """Every name in ``names`` → its text, for a run at ``run_at``."""
        ...


def placeholders(template: str) -> set[str]:
    """The placeholder names a template uses; InvalidInput if it is not a plain template."""
    try:
        fields = list(Formatter().parse(template))
    except ValueError:
        raise InvalidInput("a single { or } in the text: write {{ or }} for a brace") from None
    names: set[str] = set()
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if spec or conversion:
            raise InvalidInput(f"write placeholders plainly, as {{{name.split(':')[0]}}}")
        names.add(name)
    return names


def check_template(template: str, known: frozenset[str]) -> None:
    """InvalidInput naming the unknown placeholders, and the known ones, if there are any."""
    unknown = placeholders(template) - known
    if unknown:
        listed = ", ".join("{" + n + "}" for n in sorted(unknown))
        allowed = ", ".join("{" + n + "}" for n in sorted(known))
        raise InvalidInput(f"unknown placeholder(s) {listed}; known: {allowed}")


def render(template: str, figures: Mapping[str, str]) -> str:
    """The template with its placeholders filled (check_template first)."""
    return template.format_map(figures)


class TicketFigures:
    """Counts straight from the tickets table."""

    names = frozenset(
        {
            "period",
            "date",
            "received",
            "resolved",
            "satisfaction",
            "ratings",
            "top_categories",
            "week_received",
            "week_resolved",
            "month_received",
            "month_resolved",
            "quarter_received",
            "quarter_resolved",
            "open_tickets",
        }
    )

    async def compute(
        self, session: AsyncSession, recurrence: Recurrence, run_at: datetime, tz: ZoneInfo
    ) -> dict[str, str]:
        """Every figure of ``names`` for a run at ``run_at``."""
        own = window(recurrence, run_at, tz)
        figures = {
            "period": own.label,
            "date": run_at.astimezone(tz).date().isoformat(),
            "received": str(await repo.count_received(session, own.start, own.end)),
            "resolved": str(await repo.count_resolved(session, own.start, own.end)),
            "open_tickets": str(await repo.count_open(session, [s.value for s in OPEN_STATUSES])),
        }
        rated, happy = await repo.rating_counts(
            session, own.start, own.end, satisfied_from=SATISFIED_FROM
        )
        figures["ratings"] = str(rated)
        figures["satisfaction"] = f"{round(100 * happy / rated)}%" if rated else "暂无评价"
        top = await repo.received_by_category(session, own.start, own.end, limit=TOP_CATEGORIES)
        titles = {category.id: category.title for category in all_categories()}
        figures["top_categories"] = "、".join(f"{titles.get(c, c)} {n}件" for c, n in top) or "无"
        for name, span in (
            ("week", Recurrence.WEEKLY),
            ("month", Recurrence.MONTHLY),
            ("quarter", Recurrence.QUARTERLY),
        ):
            part = window(span, run_at, tz)
            figures[f"{name}_received"] = str(
                await repo.count_received(session, part.start, part.end)
            )
            figures[f"{name}_resolved"] = str(
                await repo.count_resolved(session, part.start, part.end)
            )
        return figures
