"""Tickets: complaints and enquiries from filing to rating, Telegram-free.

``Tickets`` holds one plain object per actor, all sharing one TicketTrail (trail.py: the
lookups, the audit trail, announcements, clock, settings and calendar):

    filing          Filing           drafts, new tickets, enquiries, similar tickets, follow
    resident        ResidentTickets  the resident's own tickets, follow-ups, ratings
    staff           StaffDesk        staff actions on tickets, the queue and lookups
    reject_prompts  RejectPrompts    the staff chat's "reject: reason?" prompts
    extensions      Extensions       extension requests (延期) and officials' decisions
    pauses          Pauses           waiting for the resident (挂起): the clock paused
    system          SystemTickets    draft expiry, auto-close, forum topics (no caller)

Every method runs one transaction, returns frozen records (views.py) and raises
services.errors (PermissionDenied, NotFound, InvalidInput) or InvalidTransition.
"""

from __future__ import annotations

from services.residents.awaiting import REJECT_PROMPT_TTL
from services.residents.limits import ResidentLimits
from services.tickets.complaint import Complaint, ticket_number
from services.tickets.desk import StaffDesk
from services.tickets.extensions import Extensions
from services.tickets.filing import KEEP, Filing
from services.tickets.lifecycle import Action, InvalidTransition
from services.tickets.pauses import Pauses
from services.tickets.prompts import RejectPrompts
from services.tickets.resident import ResidentTickets
from services.tickets.settings import TicketSettings
from services.tickets.system import SystemTickets
from services.tickets.trail import Clock, TicketTrail
from services.tickets.views import (
    STAFF_SIGNATURE,
    DraftView,
    PublicEventView,
    RejectPromptView,
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
    ) -> None:
        trail = TicketTrail(db, clock, settings or TicketSettings(), calendar or WorkCalendar())
        self.filing = Filing(trail, limits)
        self.resident = ResidentTickets(trail)
        self.staff = StaffDesk(trail)
        self.reject_prompts = RejectPrompts(trail)
        self.extensions = Extensions(trail)
        self.pauses = Pauses(trail)
        self.system = SystemTickets(trail)
        self.settings = trail.settings
        self.timezone = trail.calendar.tz
        """The district's time zone, for showing due times (handlers format, services count)."""


__all__ = [
    "KEEP",
    "REJECT_PROMPT_TTL",
    "STAFF_SIGNATURE",
    "Action",
    "Complaint",
    "DraftView",
    "Extensions",
    "Filing",
    "InvalidTransition",
    "Pauses",
    "PublicEventView",
    "RejectPromptView",
    "RejectPrompts",
    "ResidentTickets",
    "SimilarTicketView",
    "StaffDesk",
    "StaffEventView",
    "StaffTicketView",
    "SystemTickets",
    "TicketSettings",
    "TicketView",
    "Tickets",
    "mask_phone",
    "ticket_number",
]
