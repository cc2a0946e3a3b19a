"""The ticket lifecycle: which action may happen in which status, and where it leads.

    new → accepted → in_progress → resolved → closed
    open (new/accepted/in_progress/reopened) → rejected | merged
    resolved → reopened (the resident says "not solved", or staff) → like in_progress

Pure rules, no database: the service checks them before changing anything, so a refused
action raises InvalidTransition and leaves the ticket and its trail exactly as they were.
"""

from __future__ import annotations

from enum import StrEnum

from services.errors import ServiceError
from storage.models import OPEN_STATUSES, TicketStatus


class Action(StrEnum):
    """Everything that can happen to a ticket after it is filed."""

    ACCEPT = "accept"
    START = "start"
    REPLY = "reply"
    NOTE = "note"
    RESOLVE = "resolve"
    REJECT = "reject"
    REOPEN = "reopen"
    CLOSE = "close"
    MERGE = "merge"
    ASSIGN = "assign"
    FOLLOWUP = "followup"
    RATE = "rate"
    SUMMARY = "summary"
    EXTEND = "extend"
    PAUSE = "pause"
    RESUME = "resume"


_ANY = frozenset(TicketStatus)
_OPEN_OR_RESOLVED = OPEN_STATUSES | {TicketStatus.RESOLVED}
_WORKING = frozenset({TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.REOPENED})

ALLOWED_FROM: dict[Action, frozenset[TicketStatus]] = {
    Action.ACCEPT: frozenset({TicketStatus.NEW}),
    Action.START: frozenset({TicketStatus.ACCEPTED}),
    Action.REPLY: _OPEN_OR_RESOLVED,
    Action.NOTE: _ANY,
    Action.RESOLVE: _WORKING,
    Action.REJECT: OPEN_STATUSES,
    Action.REOPEN: frozenset({TicketStatus.RESOLVED}),
    Action.CLOSE: frozenset({TicketStatus.RESOLVED}),
    Action.MERGE: OPEN_STATUSES,
    Action.ASSIGN: OPEN_STATUSES,
    Action.FOLLOWUP: _OPEN_OR_RESOLVED,
    Action.RATE: frozenset({TicketStatus.RESOLVED}),
    # The public summary tells the outcome, so there must be one.
    Action.SUMMARY: frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.REJECTED}),
    # The resolution clock only runs while the ticket is open: nothing to extend or pause
    # once it is resolved, closed, rejected or merged.
    Action.EXTEND: OPEN_STATUSES,
    Action.PAUSE: OPEN_STATUSES,
    Action.RESUME: OPEN_STATUSES,
}
"""The statuses each action is allowed from."""

TARGET: dict[Action, TicketStatus] = {
    Action.ACCEPT: TicketStatus.ACCEPTED,
    Action.START: TicketStatus.IN_PROGRESS,
    Action.RESOLVE: TicketStatus.RESOLVED,
    Action.REJECT: TicketStatus.REJECTED,
    Action.REOPEN: TicketStatus.REOPENED,
    Action.CLOSE: TicketStatus.CLOSED,
    Action.MERGE: TicketStatus.MERGED,
}
"""Where a status-changing action leads (RATE leads to closed or reopened: see rate())."""


class InvalidTransition(ServiceError):
    """The action is not allowed in the ticket's current status; nothing was changed."""

    def __init__(self, number: str, action: Action, status: str) -> None:
        self.number = number
        self.action = action
        self.status = status
        super().__init__(f"ticket {number}: cannot {action.value} a ticket that is {status}")


def allows(action: Action, status: str) -> bool:
    """True when ``action`` may happen in ``status``."""
    return TicketStatus(status) in ALLOWED_FROM[action]


def check(number: str, action: Action, status: str) -> None:
    """Raise InvalidTransition unless ``action`` is allowed in ``status``."""
    if not allows(action, status):
        raise InvalidTransition(number, action, status)


def is_open(status: str) -> bool:
    """True while staff still owe the resident an outcome."""
    return TicketStatus(status) in OPEN_STATUSES
