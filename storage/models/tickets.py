"""Tickets: complaints and enquiries, their audit trail, followers, numbering, drafts and
the staff desk's open "reject: reason?" prompts.

Statuses and event kinds are stored as VARCHAR values of the StrEnums below, so adding one
needs no migration. The rules about which status may follow which live in services, not here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class TicketStatus(StrEnum):
    """Where a ticket is in its lifecycle."""

    NEW = "new"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    REOPENED = "reopened"
    MERGED = "merged"


OPEN_STATUSES = frozenset(
    {TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.REOPENED}
)
"""Statuses in which staff still owe the resident something."""


class EventKind(StrEnum):
    """What a ticket event records."""

    TRANSITION = "transition"
    REPLY = "reply"
    NOTE = "note"
    FOLLOWUP = "followup"
    RATING = "rating"
    ASSIGN = "assign"
    SUMMARY = "summary"  # staff set the public summary; the text is in internal_note
    BAN = "ban"  # staff banned the filer through this ticket; the reason is internal_note
    UNBAN = "unban"
    CALLBACK = "callback"  # staff phoned the resident back: details {"outcome": ...}
    TRANSFER = "transfer"  # moved to another unit: details {"from", "to"}, reason internal
    SUPERVISE = "supervise"  # an official flagged the ticket (details {"on": true|false})
    # Extensions and pauses of the resolution clock (services/tickets/clock.py).
    EXTENSION_REQUESTED = "ext_requested"
    EXTENSION_APPROVED = "ext_approved"
    EXTENSION_REFUSED = "ext_refused"
    PAUSE = "pause"
    RESUME = "resume"
    # A resident contests a rejection (申请复核) and an official decides it
    # (services/tickets/reviews.py): details {"decision": "upheld"|"reopened"}.
    REVIEW_ASKED = "review_asked"
    REVIEW_DONE = "review_done"


STAFF_ONLY_EVENTS = frozenset(
    {
        EventKind.NOTE, EventKind.ASSIGN, EventKind.BAN, EventKind.UNBAN, EventKind.SUMMARY,
        EventKind.TRANSFER, EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_REFUSED,
    }
)  # fmt: skip
"""Events only staff see: never in the resident's timeline, nor in their /mydata (an
extension request or refusal is the desk's business; an approval is the resident's news)."""


class Ticket(Base):
    """A resident's complaint or enquiry, with its due times and outcome."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_resolution_due_at", "status", "resolution_due_at"),
        Index("ix_tickets_category_status", "category", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "2611-0042": yymm and a per-month sequence, read out on the phone.
    number: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    location_text: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # The community (an id of the district's configuration) the ticket belongs to: where the
    # place given lies, else where the filer lives; None for tickets filed before 0010.
    community: Mapped[str | None] = mapped_column(String(64), index=True)
    # The unit of the district's configuration that holds the ticket (派单: routed at filing,
    # moved by /transfer); None: the central staff chat.
    unit_id: Mapped[str | None] = mapped_column(String(40), index=True)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(default=False)
    assignee_telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    # What the public may read about the outcome (居务公开, exports without personal data),
    # written by staff; None: the default from category, place and status is shown instead.
    public_summary: Mapped[str | None] = mapped_column(Text)
    # The forum topic of this ticket in the staff chat, once the worker has opened one.
    staff_thread_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    response_due_at: Mapped[datetime]
    resolution_due_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    # Set while the resolution clock is paused waiting for the resident (挂起); the paused
    # working time is added to resolution_due_at when it resumes.
    paused_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating_solved: Mapped[bool | None]
    rating_score: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # 督办: flagged by an official (who, when, why) until they lift it; the trail keeps it all.
    supervised_at: Mapped[datetime | None]
    supervised_by: Mapped[int | None] = mapped_column(BigInteger)
    supervision_note: Mapped[str | None] = mapped_column(Text)
    # 退回重办: how often a callback found the resident not satisfied and sent it back.
    redone_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # 代录: how the resident reached the desk ("telegram", or phone, walk_in, letter, hotline,
    # other when staff recorded it for them). An on-behalf ticket belongs to the recording
    # staff member's record (status updates reach them, to pass on); the caller's name is
    # here and their phone in ``phone``.
    channel: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")
    on_behalf_name: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"Ticket(id={self.id}, number={self.number!r}, status={self.status!r})"


class TicketEvent(Base):
    """One entry of a ticket's audit trail: a transition, reply, note, follow-up, rating."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    # None for the system itself (auto-close).
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_role: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    public_message: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    # Kind-specific facts: {"assignee": id}, {"score": 4, "solved": true}, {"into": "2611-0001"}.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"TicketEvent(id={self.id}, ticket_id={self.ticket_id}, kind={self.kind!r})"


class TicketFollower(Base):
    """A resident who follows someone else's ticket instead of filing a duplicate."""

    __tablename__ = "ticket_followers"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    since: Mapped[datetime]


class TicketSequence(Base):
    """The last ticket number handed out in one month ("2611")."""

    __tablename__ = "ticket_sequences"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class RecordingDraft(Base):
    """What a staff member has entered so far while recording a ticket on behalf of a
    resident (/record); one per staff member, apart from their own filing draft. ``fields``
    holds the answers given (channel, category, description, place, name, phone): a key
    missing is a question still to ask."""

    __tablename__ = "recording_drafts"

    recorder_telegram_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class FilingDraft(Base):
    """What a resident has typed so far in the filing conversation (survives a restart)."""

    __tablename__ = "filing_drafts"

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    location_text: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    anonymous: Mapped[bool | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
