"""ReportService: reads one period's tickets and questions and hands back a Report.

Officials and admins read the figures; only admins may ask for personal data (in Telegram).
The operator on the command line calls ``report`` directly, as the operator needs no role.
One read-only transaction per report; the figures themselves are computed in figures.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.district import current
from services.district.model import District
from services.errors import InvalidInput, PermissionDenied
from services.reports import figures as calc
from services.reports.model import CENTRAL, UNASSIGNED, UNNAMED, UNTAGGED, Report
from services.reports.period import Period, parse_period
from services.tickets.categories import category_title
from services.tickets.on_behalf import channel_title
from services.tickets.reviews import Decision
from services.tickets.summaries import published_summary
from services.tickets.units import CENTRE
from services.workdays.worktime import WorkCalendar
from storage import Database, Role
from storage.models import EventKind, QueryLog, Resident, Ticket, TicketEvent, TicketStatus
from storage.repositories import residents as residents_repo

Clock = Callable[[], datetime]
READERS = frozenset({Role.OFFICIAL, Role.ADMIN})


class PersonalDataDenied(PermissionDenied):
    """An official (not an admin) asked for residents' personal data."""


class ReportService:
    """The figures of a period, for officials, admins and the operator."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        calendar: WorkCalendar | None = None,
        district: Callable[[], District] = current.get,
    ) -> None:
        self._db = db
        self._clock = clock
        self.calendar = calendar or WorkCalendar()
        self._district = district  # the live configuration: the communities' names

    def today(self) -> date:
        """The district's date now."""
        return self._clock().astimezone(self.calendar.tz).date()

    def parse_period(self, text: str) -> Period:
        """``text`` as a period judged on today; PeriodError (InvalidInput) if it is not one."""
        return parse_period(text, self.today())

    async def require_reader(self, telegram_id: int, personal_data: bool = False) -> None:
        """PermissionDenied unless the person is an official or admin (admin for personal
        data)."""
        async with self._db.transaction() as session:
            person = await residents_repo.get_resident(session, telegram_id)
        role = None if person is None else Role(person.role)
        if role not in READERS:
            raise PermissionDenied("official")
        if personal_data and role is not Role.ADMIN:
            raise PersonalDataDenied("admin")

    async def report_for(
        self, telegram_id: int, period: str, *, with_personal_data: bool = False
    ) -> Report:
        """The report of ``period`` for an official or admin (personal data: admins only).

        Raises PermissionDenied for anyone else and PeriodError for a bad period.
        """
        await self.require_reader(telegram_id, with_personal_data)
        return await self.report(self.parse_period(period), with_personal_data=with_personal_data)

    async def report(self, period: Period, *, with_personal_data: bool = False) -> Report:
        """The report of ``period`` as of now (no permission check: the operator's call)."""
        now = self._clock()
        self._require_started(period, now)
        # Read in the transaction, compute after it: on SQLite every transaction holds the
        # write lock, and the figures need none of it.
        async with self._db.transaction() as session:
            facts, decisions = await self._read(session, period, with_personal_data)
        return self._build(period, now, facts, decisions, with_personal_data)

    async def report_in(
        self,
        session: AsyncSession,
        period: Period,
        *,
        now: datetime | None = None,
        with_personal_data: bool = False,
    ) -> Report:
        """The report of ``period`` as of ``now`` (default: the clock's), read through
        ``session``: a transaction the caller already holds, such as a bulletin run's.

        No permission check, like ``report``; InvalidInput for a period not yet started.
        """
        now = self._clock() if now is None else now
        self._require_started(period, now)
        facts, decisions = await self._read(session, period, with_personal_data)
        return self._build(period, now, facts, decisions, with_personal_data)

    def _require_started(self, period: Period, now: datetime) -> None:
        if period.start > self._day(now):
            raise InvalidInput(f"period {period.label} has not started yet")

    async def _read(
        self, session: AsyncSession, period: Period, personal: bool
    ) -> tuple[list[calc.TicketFacts], list[tuple[str, int | None, bool]]]:
        start, end = period.bounds(self.calendar.tz)
        return await _ticket_facts(session, start, end, personal), await _decisions(
            session, start, end
        )

    def _build(
        self,
        period: Period,
        now: datetime,
        facts: list[calc.TicketFacts],
        decisions: list[tuple[str, int | None, bool]],
        with_personal_data: bool,
    ) -> Report:
        rows = [calc.ticket_row(f, self.calendar, now) for f in facts]
        titles = {r.category: r.category_title for r in rows}
        names = {c.id: c.name for c in self._district().communities}
        units = {u.id: u.name for u in self._district().units} | {CENTRAL: CENTRE}
        return Report(
            period=period,
            generated_at=now,
            totals=calc.figures(rows),
            by_category=calc.groups(rows, lambda r: r.category, lambda k: titles[k]),
            by_community=calc.groups(rows, lambda r: r.community, lambda k: names.get(k, k)),
            by_channel=calc.groups(rows, lambda r: r.channel, channel_title),
            by_staff=calc.groups(rows, lambda r: r.staff, str),
            by_unit=calc.groups(rows, lambda r: r.unit, lambda k: units.get(k, k)),
            kb=calc.kb_figures(decisions),
            trend=calc.trend(rows, period.start, period.end, self._day),
            tickets=tuple(rows),
            with_personal_data=with_personal_data,
            tz=self.calendar.tz,
        )

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self.calendar.tz).date()


async def _ticket_facts(
    session: AsyncSession, start: datetime, end: datetime, personal: bool
) -> list[calc.TicketFacts]:
    """The tickets filed in [start, end) with their filer, assignee and trail facts."""
    staff = aliased(Resident)
    rows = (
        await session.execute(
            select(Ticket, Resident, staff)
            .join(Resident, Resident.id == Ticket.resident_id)
            .outerjoin(staff, staff.telegram_id == Ticket.assignee_telegram_id)
            .where(Ticket.created_at >= start, Ticket.created_at < end)
            .order_by(Ticket.created_at, Ticket.id)
        )
    ).all()
    trails = await _trail_facts(session, start, end)
    return [
        _facts(ticket, filer, assignee, trails.get(ticket.id) or _Trail(), personal)
        for ticket, filer, assignee in rows
    ]


@dataclass
class _Trail:
    """What a ticket's trail says that its row does not."""

    reopened: bool = False
    outcome: str | None = None  # the public message of the last resolve
    extensions_requested: int = 0
    extensions_approved: int = 0
    paused_hours: float = 0.0  # pauses that have ended (a running one is counted from the row)
    callbacks: list[str] = field(default_factory=list)  # each call's outcome, in order
    redone: bool = False
    supervised: bool = False
    reviewed: bool = False
    transfers: list[tuple[datetime, str | None]] = field(default_factory=list)  # (when, from)


_TRAIL_KINDS = (
    EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_APPROVED, EventKind.RESUME,
    EventKind.CALLBACK, EventKind.SUPERVISE, EventKind.TRANSFER, EventKind.REVIEW_ASKED,
)  # fmt: skip
# Statuses whose events may end a pause (an open ticket resolved, rejected or merged).
_TRAIL_STATUSES = (
    TicketStatus.REOPENED, TicketStatus.RESOLVED, TicketStatus.REJECTED, TicketStatus.MERGED,
)  # fmt: skip


async def _trail_facts(session: AsyncSession, start: datetime, end: datetime) -> dict[int, _Trail]:
    """Per ticket: ever reopened, the public message of its last resolve, extensions asked
    and approved, the working hours of its ended pauses, calls made, redone, supervised, a
    review asked for (申请复核), and the units it was transferred from."""
    events = await session.execute(
        select(
            TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.to_status,
            TicketEvent.public_message, TicketEvent.details, TicketEvent.at,
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
        .where(TicketEvent.kind.in_(_TRAIL_KINDS) | TicketEvent.to_status.in_(_TRAIL_STATUSES))
        .order_by(TicketEvent.at, TicketEvent.id)
    )  # fmt: skip
    trails: dict[int, _Trail] = {}
    for ticket_id, kind, to_status, message, details, at in events:
        trail = trails.setdefault(ticket_id, _Trail())
        said = details or {}
        if to_status == TicketStatus.REOPENED:
            trail.reopened = True
        elif to_status == TicketStatus.RESOLVED:
            trail.outcome = message
        trail.extensions_requested += kind == EventKind.EXTENSION_REQUESTED
        trail.extensions_approved += kind == EventKind.EXTENSION_APPROVED
        trail.paused_hours += float(said.get("paused_hours", 0.0))
        if kind == EventKind.CALLBACK:
            outcome = str(said.get("outcome", ""))
            trail.callbacks.append(outcome)
            trail.redone = trail.redone or outcome == "not_satisfied"
        elif kind == EventKind.SUPERVISE and said.get("on"):
            trail.supervised = True
        elif kind == EventKind.REVIEW_ASKED:
            trail.reviewed = True
        elif kind == EventKind.REVIEW_DONE:  # a rejection reopened on review is redone too
            trail.redone = trail.redone or said.get("decision") == Decision.REOPENED
        elif kind == EventKind.TRANSFER:  # who held it until then
            held = said.get("from")
            trail.transfers.append((at, None if held is None else str(held)))
    return trails


def _facts(
    ticket: Ticket,
    filer: Resident,
    assignee: Resident | None,
    trail: _Trail,
    personal: bool,
) -> calc.TicketFacts:
    if assignee is not None and assignee.display_name:
        staff_label = assignee.display_name
    elif ticket.assignee_telegram_id is not None:  # added by id, never wrote to linli
        staff_label = f"{UNNAMED}（{ticket.assignee_telegram_id}）"
    else:
        staff_label = UNASSIGNED
    named = personal and not ticket.anonymous
    # Without personal data nobody's own words go out, scrubbed or not: the resident's
    # description, the address and what staff wrote to the resident stay in; the public
    # summary (written for the public, or the default) says what the ticket was about.
    summary = published_summary(
        ticket.public_summary, ticket.category, ticket.community or filer.community,
        ticket.location_text, ticket.status, (filer.display_name,),
    )  # fmt: skip
    return calc.TicketFacts(
        number=ticket.number,
        category=ticket.category,
        category_title=category_title(ticket.category),
        # The ticket's own community (services.tickets.places.community_of); tickets from
        # before it was recorded count by where their filer lives, as they always did.
        community=ticket.community or filer.community or UNTAGGED,
        unit=_accountable_unit(ticket, trail.transfers),
        staff=staff_label,
        status=ticket.status,
        created_at=ticket.created_at,
        response_due_at=ticket.response_due_at,
        resolution_due_at=ticket.resolution_due_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        rating_solved=ticket.rating_solved,
        rating_score=ticket.rating_score,
        reopened=trail.reopened,
        paused_at=ticket.paused_at,
        paused_hours=trail.paused_hours,
        extensions_requested=trail.extensions_requested,
        extensions_approved=trail.extensions_approved,
        summary=summary,
        description=ticket.description if personal else None,
        location_text=ticket.location_text if personal else None,
        outcome=trail.outcome if personal else None,
        resident_name=_resident_name(ticket, filer) if named else None,
        phone=ticket.phone if personal else None,
        callbacks=tuple(trail.callbacks),
        redone=trail.redone,
        supervised=trail.supervised,
        reviewed=trail.reviewed,
        channel=ticket.channel or "telegram",
    )


def _resident_name(ticket: Ticket, filer: Resident) -> str:
    """Who the ticket is about: the caller's name for one recorded on their behalf (代录;
    its filer is the staff member who recorded it), else the filer's name."""
    return ticket.on_behalf_name or filer.display_name or str(filer.telegram_id)


async def _decisions(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[str, int | None, bool]]:
    """(decision, feedback, a suggestion picked) of every question asked in [start, end)."""
    result = await session.execute(
        select(QueryLog.decision, QueryLog.feedback, QueryLog.entry_id).where(
            QueryLog.asked_at >= start, QueryLog.asked_at < end
        )
    )
    return [(decision, feedback, entry_id is not None) for decision, feedback, entry_id in result]


def _accountable_unit(ticket: Ticket, transfers: Sequence[tuple[datetime, str | None]]) -> str:
    """The unit the figures count a ticket against: the one that held it when its resolution
    limit passed (a transfer after the deadline does not move the blame), else the one that
    holds it now; CENTRAL for the central staff chat."""
    deadline = ticket.resolution_due_at
    held_then = next((held for at, held in transfers if at > deadline), ticket.unit_id)
    return held_then or CENTRAL
