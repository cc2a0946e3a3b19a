"""Every figure of a report, computed here and nowhere else (definitions: docs/figures.md).

Two steps, both pure: ``ticket_row`` decides the per-ticket facts (response in time?
resolved, and confirmed by the resident? overdue? working hours taken), and ``figures``
counts a group of rows. Working hours come from WorkCalendar, so a holiday week or a 调休
Saturday counts the way the time limits count it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.reports.model import CallbackFigures, Figures, Group, KbFigures, TicketRow, TrendPoint
from services.workdays.worktime import WorkCalendar
from storage.models import OPEN_STATUSES, TicketStatus

SATISFIED_SCORE = 4
"""A rating of 4 or 5 (out of 5) is a satisfied rating."""

RESOLVED_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
DAILY_TREND_MAX_DAYS = 31  # longer periods are charted week by week


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """A ticket as stored, plus who and where it belongs to (read by the service)."""

    number: str
    category: str
    category_title: str
    community: str
    staff: str
    status: str
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    rating_solved: bool | None
    rating_score: int | None
    reopened: bool
    paused_at: datetime | None  # paused now (waiting for the resident) since then
    paused_hours: float  # working hours of the pauses that have ended
    extensions_requested: int
    extensions_approved: int
    summary: str
    description: str | None
    location_text: str | None
    outcome: str | None
    resident_name: str | None
    phone: str | None
    callbacks: tuple[str, ...] = ()
    redone: bool = False
    supervised: bool = False
    reviewed: bool = False
    unit: str = ""  # the unit held accountable (see services/reports/service.py)
    channel: str = "telegram"


def ticket_row(facts: TicketFacts, calendar: WorkCalendar, now: datetime) -> TicketRow:
    """The per-ticket decisions every figure is counted from."""
    status = TicketStatus(facts.status)
    responded = facts.first_response_at
    if responded is not None:
        in_time: bool | None = responded <= facts.response_due_at
    else:
        in_time = False if now > facts.response_due_at else None
    resolution: str | None = None
    if status in RESOLVED_STATUSES:
        # Only a resident's "solved" closes a ticket with rating_solved True; a "not solved"
        # reopens it, so a later staff close keeps rating_solved False.
        confirmed = status is TicketStatus.CLOSED and facts.rating_solved is True
        resolution = "confirmed" if confirmed else "staff"
    resolved_at = facts.resolved_at if resolution else None
    return TicketRow(
        number=facts.number,
        category=facts.category,
        category_title=facts.category_title,
        community=facts.community,
        unit=facts.unit,
        staff=facts.staff,
        status=facts.status,
        created_at=facts.created_at,
        first_response_at=responded,
        resolved_at=resolved_at,
        first_response_h=_hours(calendar, facts.created_at, responded),
        resolution_h=_hours(calendar, facts.created_at, resolved_at),
        responded_in_time=in_time,
        resolution=resolution,
        overdue=_overdue(facts, status, in_time, resolved_at, now),
        reopened=facts.reopened,
        extensions_requested=facts.extensions_requested,
        extensions_approved=facts.extensions_approved,
        paused_hours=round(facts.paused_hours + _paused_now(facts, calendar, now), 2),
        rating_score=facts.rating_score,
        rating_solved=facts.rating_solved,
        summary=facts.summary,
        description=facts.description,
        location_text=facts.location_text,
        outcome=facts.outcome,
        resident_name=facts.resident_name,
        phone=facts.phone,
        callbacks=facts.callbacks,
        redone=facts.redone,
        supervised=facts.supervised,
        reviewed=facts.reviewed,
        channel=facts.channel,
    )


def _hours(calendar: WorkCalendar, start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round(calendar.working_hours_between(start, end), 2)


def _paused_now(facts: TicketFacts, calendar: WorkCalendar, now: datetime) -> float:
    """Working hours of a pause still running (a ticket waiting for the resident now)."""
    if facts.paused_at is None:
        return 0.0
    return calendar.working_hours_between(facts.paused_at, now)


def _overdue(
    facts: TicketFacts,
    status: TicketStatus,
    in_time: bool | None,
    resolved_at: datetime | None,
    now: datetime,
) -> bool:
    """Missed a limit: answered late (or not yet, past due), resolved late, or open past due.

    The due time is the one in force: moved by an approved extension and by the working
    time of ended pauses. A ticket paused now is judged at the moment it was paused, so a
    pause neither makes it late nor hides that it was late already."""
    if in_time is False:
        return True
    if resolved_at is not None:
        return resolved_at > facts.resolution_due_at
    judged_at = now if facts.paused_at is None else min(now, facts.paused_at)
    return status in OPEN_STATUSES and judged_at > facts.resolution_due_at


def figures(rows: Sequence[TicketRow]) -> Figures:
    """The figures of a group of tickets (see docs/figures.md for each definition)."""
    judged = [r for r in rows if r.responded_in_time is not None]
    in_time = sum(1 for r in judged if r.responded_in_time)
    base = [r for r in rows if r.status != TicketStatus.MERGED]
    confirmed = sum(1 for r in base if r.resolution == "confirmed")
    staff_only = sum(1 for r in base if r.resolution == "staff")
    rated = [v for v in (_verdict(r) for r in rows) if v is not None]
    satisfied = sum(rated)
    responses = [r.first_response_h for r in rows if r.first_response_h is not None]
    resolutions = [r.resolution_h for r in base if r.resolution_h is not None]
    return Figures(
        received=len(rows),
        response_base=len(judged),
        responded_in_time=in_time,
        response_rate=_rate(in_time, len(judged)),
        resolution_base=len(base),
        resolved=confirmed + staff_only,
        confirmed=confirmed,
        staff_only=staff_only,
        resolution_rate=_rate(confirmed + staff_only, len(base)),
        confirmed_resolution_rate=_rate(confirmed, len(base)),
        staff_only_resolution_rate=_rate(staff_only, len(base)),
        ratings=len(rated),
        satisfied=satisfied,
        satisfaction_rate=_rate(satisfied, len(rated)),
        median_first_response_h=median(responses),
        p90_first_response_h=p90(responses),
        median_resolution_h=median(resolutions),
        p90_resolution_h=p90(resolutions),
        overdue=sum(1 for r in rows if r.overdue),
        reopened=sum(1 for r in rows if r.reopened),
        rejected=sum(1 for r in rows if r.status == TicketStatus.REJECTED),
        extensions_requested=sum(r.extensions_requested for r in rows),
        extensions_approved=sum(r.extensions_approved for r in rows),
        paused_hours=round(sum((r.paused_hours for r in rows), 0.0), 2),
        callbacks=callback_figures(rows),
        redone=sum(1 for r in rows if r.redone),
        supervised=sum(1 for r in rows if r.supervised),
        reviews=sum(1 for r in rows if r.reviewed),
    )


def _verdict(row: TicketRow) -> bool | None:
    """Whether the resident was satisfied: their rating (a score of SATISFIED_SCORE or
    more); for a ticket recorded on behalf of a resident outside Telegram (代录), who can
    rate nothing, the last callback that reached them; None when neither says."""
    if row.rating_score is not None:
        return row.rating_score >= SATISFIED_SCORE
    if row.channel == "telegram":
        return None
    reached = [c for c in row.callbacks if c in ("satisfied", "not_satisfied")]
    return reached[-1] == "satisfied" if reached else None


def callback_figures(rows: Sequence[TicketRow]) -> CallbackFigures:
    """Every call recorded on the rows' tickets, by outcome (a ticket may be called twice)."""
    calls = [outcome for r in rows for outcome in r.callbacks]
    return CallbackFigures(
        made=len(calls),
        satisfied=calls.count("satisfied"),
        not_satisfied=calls.count("not_satisfied"),
        unreachable=calls.count("unreachable"),
    )


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    return round(statistics.median(values), 2) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value with at least 90% of the
    values at or below it. None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 2)


def groups(
    rows: Sequence[TicketRow], key: Callable[[TicketRow], str], title: Callable[[str], str]
) -> tuple[Group, ...]:
    """Figures per value of ``key``, the largest group first (ties by key)."""
    buckets: dict[str, list[TicketRow]] = {}
    for row in rows:
        buckets.setdefault(key(row), []).append(row)
    ordered = sorted(buckets.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(Group(k, title(k), figures(members)) for k, members in ordered)


def kb_figures(decisions: Iterable[tuple[str, int | None, bool]]) -> KbFigures:
    """Count logged questions from (decision, feedback, picked) triples, ``picked`` when the
    asker chose one of the suggestions (the query log's entry_id, set by choosing)."""
    counts = {"answer": 0, "suggest": 0, "none": 0}
    asked = up = down = none_fit = 0
    for decision, feedback, picked in decisions:
        asked += 1
        if decision in counts:
            counts[decision] += 1
        up += feedback == 1
        # "None of these" is logged as a -1 on suggestions nobody picked: no answer was
        # shown, so it is no 👎 on one (a picked suggestion's -1 is: its entry was rated).
        rejected = decision == "suggest" and feedback == -1 and not picked
        none_fit += rejected
        down += feedback == -1 and not rejected
    return KbFigures(asked, counts["answer"], counts["suggest"], counts["none"], up, down, none_fit)


def trend(
    rows: Sequence[TicketRow], start: date, end: date, day_of: Callable[[datetime], date]
) -> tuple[TrendPoint, ...]:
    """Received and resolved-so-far per day, or per week (from ``start``) for long periods."""
    step = 1 if (end - start).days <= DAILY_TREND_MAX_DAYS else 7
    starts = [start + timedelta(days=d) for d in range(0, (end - start).days, step)]
    received = dict.fromkeys(starts, 0)
    resolved = dict.fromkeys(starts, 0)
    for row in rows:
        offset = (day_of(row.created_at) - start).days
        bucket = start + timedelta(days=offset - offset % step)
        if bucket in received:
            received[bucket] += 1
            resolved[bucket] += row.resolution is not None
    return tuple(TrendPoint(s, received[s], resolved[s]) for s in starts)
