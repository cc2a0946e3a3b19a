"""The resolution clock of a ticket: paused while staff wait for the resident (挂起), and
started again when the ticket is reopened (退回重办).

Pure rules on a ticket row, shared by the pause use cases (pauses.py), the trail (a ticket
that leaves the open statuses while paused ends its pause; a reopened ticket gets its time
limit again) and the follow-up that resumes it. Paused time is counted in working hours, the
unit the limits are counted in, and added to the resolution due time when the clock runs
again, so a pause never makes a ticket late and never hides lateness from before it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.district import current
from services.workdays.worktime import WorkCalendar
from storage.models import Ticket


def restart_resolution(ticket: Ticket, now: datetime, calendar: WorkCalendar) -> dict[str, Any]:
    """A reopened ticket (not solved, redo after a callback or a review, reopened by staff)
    is redone within its category's time limit again, counted from now, as a 12345 desk
    restarts the limit of a work order sent back (退回重办): its old due time, often past by
    then, made it late the moment it came back. A due time still later stays. The facts for
    the trail event ({} when nothing moved, or the category is no longer configured)."""
    category = current.get().category(ticket.category)
    if category is None:
        return {}
    fresh = calendar.add_working_hours(now, category.resolution_hours)
    old_due = ticket.resolution_due_at
    if fresh <= old_due:
        return {}
    ticket.resolution_due_at = fresh
    return {"resolution_due_from": old_due.isoformat(), "resolution_due_to": fresh.isoformat()}


def is_paused(ticket: Ticket) -> bool:
    """Whether the ticket's resolution clock is stopped, waiting for the resident."""
    return ticket.paused_at is not None


def end_pause(ticket: Ticket, now: datetime, calendar: WorkCalendar) -> dict[str, Any]:
    """Run the clock again: the due time moves by the working hours paused; the facts for the
    trail event that ends the pause ({} when the ticket was not paused)."""
    if ticket.paused_at is None:
        return {}
    since = ticket.paused_at
    hours = round(calendar.working_hours_between(since, now), 2)
    old_due = ticket.resolution_due_at
    if hours > 0:
        ticket.resolution_due_at = calendar.add_working_hours(old_due, hours)
    ticket.paused_at = None
    return {
        "paused_from": since.isoformat(),
        "paused_hours": hours,
        "from": old_due.isoformat(),
        "to": ticket.resolution_due_at.isoformat(),
    }
