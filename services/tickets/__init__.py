"""Tickets: complaints and enquiries from filing to rating, Telegram-free.

``TicketService`` is the one object handlers use; its methods come from
filing.FilingActions (drafts, duplicates, new tickets), desk.StaffActions (staff actions and
lists) and resident.ResidentActions (the resident's view, follow-ups, ratings, auto-close).
Every method runs one transaction, returns frozen records (views.py) and raises
services.errors (PermissionDenied, NotFound, InvalidInput) or InvalidTransition.
"""

from services.tickets.core import TicketSettings
from services.tickets.filing import KEEP, Complaint, FilingActions, ticket_number
from services.tickets.lifecycle import Action, InvalidTransition
from services.tickets.resident import ResidentActions
from services.tickets.views import (
    STAFF_SIGNATURE,
    DraftView,
    PublicEventView,
    SimilarTicketView,
    StaffEventView,
    StaffTicketView,
    TicketView,
    mask_phone,
)


class TicketService(FilingActions, ResidentActions):
    """Every ticket use case (see the module docstring for where each lives)."""


__all__ = [
    "KEEP",
    "STAFF_SIGNATURE",
    "Action",
    "Complaint",
    "DraftView",
    "InvalidTransition",
    "PublicEventView",
    "SimilarTicketView",
    "StaffEventView",
    "StaffTicketView",
    "TicketService",
    "TicketSettings",
    "TicketView",
    "mask_phone",
    "ticket_number",
]
