"""Frozen records the ticket services return, and the rules about who sees what.

Residents never see staff identities: staff events in their timeline are signed
STAFF_SIGNATURE. Staff see a resident's name only when the resident did not ask for
anonymity, and the phone number masked unless they are the ticket's assignee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.reports.scrub import mask_phone_numbers
from storage.models import EventKind, FilingDraft, Resident, Ticket, TicketEvent

STAFF_SIGNATURE = "社区工作人员"
"""How every staff member appears to residents."""

# Event kinds a resident sees in their timeline (notes and assignments are internal).
_PUBLIC_KINDS = frozenset(
    {
        EventKind.TRANSITION,
        EventKind.REPLY,
        EventKind.FOLLOWUP,
        EventKind.RATING,
        EventKind.PAUSE,
        EventKind.RESUME,
        EventKind.EXTENSION_APPROVED,
        EventKind.REVIEW_ASKED,
        EventKind.REVIEW_DONE,
    }
)


@dataclass(frozen=True, slots=True)
class PublicEventView:
    """One line of the timeline a resident sees."""

    at: datetime
    kind: str
    status: str | None  # the status it led to, for transitions and ratings
    message: str | None
    author: str  # STAFF_SIGNATURE, "resident" (the filer or a follower) or "system"


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as a resident (its filer or a follower) sees it."""

    number: str
    category: str
    status: str
    description: str
    location_text: str | None
    latitude: float | None
    longitude: float | None
    photos: tuple[str, ...]
    anonymous: bool
    is_owner: bool
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    is_overdue: bool
    reject_reason: str | None
    merged_into: str | None
    rating_solved: bool | None
    rating_score: int | None
    can_follow_up: bool
    """The filer may still add details (the ticket is open, or resolved and not yet rated)."""
    timeline: tuple[PublicEventView, ...]
    paused: bool = False
    """Waiting for the resident: their next follow-up resumes the work."""


@dataclass(frozen=True, slots=True)
class StaffEventView:
    """One event of the full audit trail (staff only)."""

    id: int
    at: datetime
    kind: str
    actor_telegram_id: int | None
    actor_role: str
    from_status: str | None
    to_status: str | None
    public_message: str | None
    internal_note: str | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StaffTicketView:
    """A ticket as staff see it; ``events`` is empty in lists (queue, mine, overdue)."""

    id: int
    number: str
    category: str
    status: str
    description: str
    location_text: str | None
    latitude: float | None
    longitude: float | None
    photos: tuple[str, ...]
    anonymous: bool
    resident_name: str | None  # None when the resident asked for anonymity
    phone: str | None  # masked (138****1234) unless the viewer is the assignee
    assignee_telegram_id: int | None
    staff_thread_id: int | None
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    first_response_at: datetime | None
    is_overdue: bool
    reject_reason: str | None
    merged_into: str | None
    rating_solved: bool | None
    rating_score: int | None
    rating_comment: str | None
    events: tuple[StaffEventView, ...]
    supervised: bool = False  # flagged 督办 by an official (services/tickets/supervision.py)
    redone: int = 0  # times a callback sent it back to be redone (services/tickets/callbacks.py)
    paused_at: datetime | None = None
    """Since when the resolution clock waits for the resident (None: it runs)."""
    channel: str = "telegram"  # 代录: how the resident reached the desk (on_behalf.py)
    on_behalf_name: str | None = None  # 代录: the resident's name; the filer is the recorder
    held_by: str = ""  # the unit's name that holds it (转派), or the service centre's
    resident_unreachable: str | None = None
    """Why nothing staff send reaches the filer any more: "erased" (they used /forget) or
    "blocked" (they blocked linli; it lifts when they write again). Then staff are not told
    that a reply, an outcome or a photo was sent to them. None: they are reached."""


@dataclass(frozen=True, slots=True)
class DraftView:
    """What the resident has entered so far in the filing conversation."""

    step: str
    category: str | None
    description: str | None
    location_text: str | None
    latitude: float | None
    longitude: float | None
    photos: tuple[str, ...]
    phone: str | None
    anonymous: bool | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SimilarTicketView:
    """An open ticket that looks like what the resident is about to file."""

    number: str
    category: str
    status: str
    place: str  # at building level: never the room, never the reporter's own words
    created_at: datetime
    score: float


@dataclass(frozen=True, slots=True)
class DeskPromptView:
    """A staff member's open prompt in the staff chat: the ticket, the prompt message, when,
    and the action the typed text is for (reject or reply)."""

    number: str
    prompt_message_id: int
    asked_at: datetime
    action: str


def mask_phone(phone: str | None) -> str | None:
    """138****1234 for a mobile; landlines keep area code and last four digits."""
    if not phone:
        return None
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def is_overdue(ticket: Ticket, now: datetime, open_: bool) -> bool:
    """An open ticket past its response due time without a response, or past resolution.

    Never while paused: the clock is stopped and nobody is chased while staff wait for the
    resident; the figures still judge lateness from before a pause (reports/figures.py)."""
    if not open_ or ticket.paused_at is not None:
        return False
    late_response = ticket.first_response_at is None and now > ticket.response_due_at
    return late_response or now > ticket.resolution_due_at


def public_event(event: TicketEvent) -> PublicEventView:
    """The resident's view of one event (never who on the staff did it)."""
    if event.actor_role == "resident":
        author = "resident"
    elif event.actor_telegram_id is None:
        author = "system"
    else:
        author = STAFF_SIGNATURE
    # A callback that closed or reopened the ticket reads as that status change (its note
    # is internal).
    kind = EventKind.TRANSITION.value if event.kind == EventKind.CALLBACK else event.kind
    return PublicEventView(
        at=event.at,
        kind=kind,
        status=event.to_status,
        message=event.public_message,
        author=author,
    )


def is_public(event: TicketEvent) -> bool:
    """True for events the resident sees in their timeline."""
    status_changing_callback = event.kind == EventKind.CALLBACK and event.to_status is not None
    return event.kind in _PUBLIC_KINDS or status_changing_callback


def staff_event(event: TicketEvent, *, masked: bool = True) -> StaffEventView:
    """The full record of one event. ``masked``: phone numbers in its texts shown as
    138****5678, as on the card, for a trail read in the staff chat (a resident's follow-up
    may carry their number); only the assignee, in private, reads them in full."""
    return StaffEventView(
        id=event.id,
        at=event.at,
        kind=event.kind,
        actor_telegram_id=event.actor_telegram_id,
        actor_role=event.actor_role,
        from_status=event.from_status,
        to_status=event.to_status,
        public_message=_shown(event.public_message, masked),
        internal_note=_shown(event.internal_note, masked),
        details=dict(event.details),
    )


def _shown(text: str | None, masked: bool) -> str | None:
    return mask_phone_numbers(text) if masked and text else text


def draft_view(draft: FilingDraft) -> DraftView:
    """A draft row as a record."""
    return DraftView(
        step=draft.step,
        category=draft.category,
        description=draft.description,
        location_text=draft.location_text,
        latitude=draft.latitude,
        longitude=draft.longitude,
        photos=tuple(draft.photos),
        phone=draft.phone,
        anonymous=draft.anonymous,
        updated_at=draft.updated_at,
    )


def resident_label(resident: Resident, anonymous: bool) -> str | None:
    """The filer's name for staff, or None when they asked to stay anonymous."""
    return None if anonymous else (resident.display_name or str(resident.telegram_id))
