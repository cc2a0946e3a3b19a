"""Tickets: complaints and enquiries from filing to rating, Telegram-free.

``TicketService`` is the one object handlers use; its methods come from
filing.FilingActions (drafts, duplicates, new tickets), desk.StaffActions (staff actions and
lists), prompts.RejectPrompts (the staff chat's "reject: reason?" prompts) and
resident.ResidentActions (the resident's view, follow-ups, ratings, auto-close).
Every method runs one transaction, returns frozen records (views.py) and raises
services.errors (PermissionDenied, NotFound, InvalidInput) or InvalidTransition.
"""

from services.tickets.core import TicketSettings
from services.tickets.filing import KEEP, Complaint, FilingActions, ticket_number
from services.tickets.lifecycle import Action, InvalidTransition
from services.tickets.prompts import REJECT_PROMPT_TTL, RejectPrompts
from services.tickets.resident import ResidentActions
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


class TicketService(FilingActions, ResidentActions, RejectPrompts):
    """Every ticket use case (see the module docstring for where each lives)."""


__all__ = [
    "KEEP",
    "REJECT_PROMPT_TTL",
    "STAFF_SIGNATURE",
    "Action",
    "Complaint",
    "DraftView",
    "InvalidTransition",
    "PublicEventView",
    "RejectPromptView",
    "SimilarTicketView",
    "StaffEventView",
    "StaffTicketView",
    "TicketService",
    "TicketSettings",
    "TicketView",
    "mask_phone",
    "ticket_number",
]
