"""Tickets: complaints and enquiries from filing to rating, Telegram-free.

``Tickets`` holds one plain object per actor, all sharing one TicketTrail (trail.py: the
lookups, the audit trail, announcements, clock, settings and calendar):

    filing          Filing           drafts, new tickets, enquiries, similar tickets, follow
    resident        ResidentTickets  the resident's own tickets, follow-ups, ratings
    staff           StaffDesk        staff actions on tickets, the queue and lookups
    prompts         DeskPrompts      the staff chat's reject and reply prompts
    extensions      Extensions       extension requests (延期) and officials' decisions
    pauses          Pauses           waiting for the resident (挂起): the clock paused
    system          SystemTickets    draft expiry, auto-close, forum topics (no caller)
    dispatch        Dispatch         moving a ticket to another unit (转派; units.py routes)
    summaries       PublicSummaries  the public summary staff write (summaries.py)
    callbacks       Callbacks        the callback list (回访) and redo (退回重办), staff
    supervision     Supervision      officials' flags (督办) and their daily digest
    reviews         Reviews          a resident contests a rejection (申请复核), officials decide
    canned          CannedReplies    canned replies (常用语): admins keep them, staff send them
    on_behalf       OnBehalf         tickets staff record for residents outside Telegram (代录)

Every method runs one transaction, returns frozen records (views.py) and raises
services.errors (PermissionDenied, NotFound, InvalidInput) or InvalidTransition.
"""

from __future__ import annotations

from services.residents.awaiting import REJECT_PROMPT_TTL
from services.residents.bans import BanCheck
from services.residents.limits import ResidentLimits
from services.tickets.callbacks import Callbacks
from services.tickets.canned import CannedReplies
from services.tickets.complaint import Complaint, ticket_number
from services.tickets.desk import StaffDesk
from services.tickets.dispatch import Dispatch
from services.tickets.extensions import Extensions
from services.tickets.filing import KEEP, Filing
from services.tickets.lifecycle import Action, InvalidTransition
from services.tickets.on_behalf import OnBehalf, RecordingView
from services.tickets.pauses import Pauses
from services.tickets.prompts import DeskPrompts
from services.tickets.resident import ResidentTickets
from services.tickets.reviews import Reviews
from services.tickets.settings import TicketSettings
from services.tickets.summaries import PublicSummaries, SummaryView
from services.tickets.supervision import Supervision
from services.tickets.system import SystemTickets
from services.tickets.trail import Clock, TicketTrail
from services.tickets.views import (
    STAFF_SIGNATURE,
    DeskPromptView,
    DraftView,
    PublicEventView,
    SimilarTicketView,
    StaffEventView,
    StaffTicketView,
    TicketView,
    mask_phone,
)
from services.workdays.worktime import WorkCalendar
from storage import Database


class Tickets:
    """The ticket use cases by actor (see the module docstring), built around one trail."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: TicketSettings | None = None,
        calendar: WorkCalendar | None = None,
        limits: ResidentLimits | None = None,
        bans: BanCheck | None = None,
    ) -> None:
        trail = TicketTrail(db, clock, settings or TicketSettings(), calendar or WorkCalendar())
        bans = bans or BanCheck(db, clock)
        self.filing = Filing(trail, limits, bans)
        self.resident = ResidentTickets(trail, bans)
        self.staff = StaffDesk(trail)
        self.prompts = DeskPrompts(trail)
        self.dispatch = Dispatch(trail)
        self.extensions = Extensions(trail)
        self.pauses = Pauses(trail)
        self.system = SystemTickets(trail)
        self.summaries = PublicSummaries(trail)
        self.callbacks = Callbacks(trail)
        self.supervision = Supervision(trail)
        self.reviews = Reviews(trail)
        self.canned = CannedReplies(trail, self.staff)
        self.on_behalf = OnBehalf(trail, self.filing)
        self.settings = trail.settings
        self.timezone = trail.calendar.tz
        """The district's time zone, for showing due times (handlers format, services count)."""


__all__ = [
    "KEEP",
    "REJECT_PROMPT_TTL",
    "STAFF_SIGNATURE",
    "Action",
    "Complaint",
    "DeskPromptView",
    "DeskPrompts",
    "DraftView",
    "Extensions",
    "Filing",
    "InvalidTransition",
    "OnBehalf",
    "Pauses",
    "PublicEventView",
    "PublicSummaries",
    "RecordingView",
    "ResidentTickets",
    "SimilarTicketView",
    "StaffDesk",
    "StaffEventView",
    "StaffTicketView",
    "SummaryView",
    "SystemTickets",
    "TicketSettings",
    "TicketView",
    "Tickets",
    "mask_phone",
    "ticket_number",
]
