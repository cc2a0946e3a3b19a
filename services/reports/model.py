"""The records a report is made of: one row per ticket, figures per group, the whole report.

Every figure is defined in docs/figures.md and computed in services/reports/figures.py;
these are plain frozen records that exports, charts, the disclosure and handlers read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from services.reports.period import Period

UNTAGGED = "未标注"
"""The community of a resident who has no community tag."""
CENTRAL = "centre"
"""The key in the figures by unit of tickets no unit holds (the central staff chat)."""

UNASSIGNED = "未分配"
"""The staff member of a ticket nobody was assigned to."""
UNNAMED = "未登记姓名的工作人员"
"""A staff member linli has no name for (added by id; the figures add the id to tell them apart)."""


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One ticket received in the period, with what the figures need to know about it.

    ``summary`` is the public summary (services/tickets/summaries.py): what staff wrote for
    the public, scrubbed, or the default from category, place and outcome; it is all that
    a report without personal data says about the ticket. ``description``,
    ``location_text``, ``outcome`` (the resident's and staff's words to each other),
    ``resident_name`` and ``phone`` are None unless the report was asked for with personal
    data (and ``resident_name`` is None for an anonymous filer even then).
    """

    number: str
    category: str
    category_title: str
    community: str
    staff: str
    status: str
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    first_response_h: float | None  # working hours from filing to the first staff action
    resolution_h: float | None  # working hours from filing to the (last) resolution
    responded_in_time: bool | None  # None: not responded yet and still within the limit
    resolution: str | None  # "confirmed", "staff" or None (not resolved)
    overdue: bool
    reopened: bool
    extensions_requested: int  # extension requests made for it
    extensions_approved: int
    paused_hours: float  # working hours its resolution clock waited for the resident
    rating_score: int | None
    rating_solved: bool | None
    summary: str
    description: str | None
    location_text: str | None
    outcome: str | None  # the public message of the resolving step, if staff wrote one
    resident_name: str | None
    phone: str | None
    callbacks: tuple[str, ...] = ()  # the outcome of each call (回访), in order
    redone: bool = False  # sent back to be redone (退回重办) at least once
    supervised: bool = False  # flagged for supervision (督办) at least once
    reviewed: bool = False  # the resident asked for a review of its rejection (申请复核)
    unit: str = ""  # the unit that held it when its resolution limit passed (or holds it)
    channel: str = "telegram"  # how the resident reached the desk (代录: phone, letter …)


@dataclass(frozen=True, slots=True)
class CallbackFigures:
    """Calls made to residents about their tickets (回访), by outcome."""

    made: int
    satisfied: int
    not_satisfied: int
    unreachable: int


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of one group of tickets (all of them, one category, one community...).

    Rates are fractions from 0 to 1, or None when their base is zero (nothing to judge).
    """

    received: int
    response_base: int
    responded_in_time: int
    response_rate: float | None
    resolution_base: int
    resolved: int
    confirmed: int
    staff_only: int
    resolution_rate: float | None
    confirmed_resolution_rate: float | None
    staff_only_resolution_rate: float | None
    ratings: int
    satisfied: int
    satisfaction_rate: float | None
    median_first_response_h: float | None
    p90_first_response_h: float | None
    median_resolution_h: float | None
    p90_resolution_h: float | None
    overdue: int
    reopened: int
    rejected: int
    callbacks: CallbackFigures
    redone: int
    supervised: int
    extensions_requested: int = 0
    extensions_approved: int = 0
    paused_hours: float = 0.0
    reviews: int = 0  # rejections the resident asked to have reviewed (申请复核)


@dataclass(frozen=True, slots=True)
class Group:
    """The figures of one category, community or staff member."""

    key: str
    title: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class KbFigures:
    """What the knowledge base did with the questions asked in the period."""

    asked: int
    answered: int
    suggested: int
    unanswered: int
    thumbs_up: int
    thumbs_down: int  # answers shown and rated unhelpful
    none_fit: int  # "none of these": the suggestions shown were all wrong


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Tickets received in one day (or week, for long periods) and how many are resolved."""

    start: date
    received: int
    resolved: int


@dataclass(frozen=True, slots=True)
class Report:
    """Everything about one period; ``tickets`` holds personal data only when asked for."""

    period: Period
    generated_at: datetime
    totals: Figures
    by_category: tuple[Group, ...]
    by_community: tuple[Group, ...]
    by_channel: tuple[Group, ...]
    by_staff: tuple[Group, ...]
    by_unit: tuple[Group, ...]
    kb: KbFigures
    trend: tuple[TrendPoint, ...]
    tickets: tuple[TicketRow, ...]
    with_personal_data: bool
    tz: tzinfo  # the district's time zone, in which days and times are shown

    @property
    def is_empty(self) -> bool:
        """No ticket and no question in the period."""
        return self.totals.received == 0 and self.kb.asked == 0
