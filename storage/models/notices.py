"""Notices (officials' broadcasts), residents' topic subscriptions, and regular bulletins.

A notice becomes one outbox row per recipient when it is sent (``outbox.notice_id`` links
them, so delivery figures and cancelling need no bookkeeping of their own). A bulletin is a
recurring definition that creates a notice each time it runs. Statuses, audiences and
recurrences are VARCHAR values of the StrEnums below: adding one needs no migration.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class NoticeStatus(StrEnum):
    """Where a notice is: being composed, waiting for its time, queued, or cancelled."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    # Fanned out: its outbox rows exist (the delivery figures say how far they got).
    QUEUED = "queued"
    CANCELLED = "cancelled"


class AudienceKind(StrEnum):
    """Who a notice or bulletin goes to; ``audience_value`` names the topic or tag."""

    ALL = "all"
    TOPIC = "topic"
    COMMUNITY = "community"
    BUILDING = "building"
    STAFF = "staff"


class Recurrence(StrEnum):
    """How often a bulletin runs."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Subscription(Base):
    """A resident wants notices on one topic (ids in services.subscriptions.TOPICS)."""

    __tablename__ = "subscriptions"

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own: audiences select all subscribers of one topic.
    topic: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    since: Mapped[datetime]


class Bulletin(Base):
    """A recurring notice: when it runs, to whom, and the template it fills in."""

    __tablename__ = "bulletins"
    __table_args__ = (Index("ix_bulletins_removed_at_next_run_at", "removed_at", "next_run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    recurrence: Mapped[str] = mapped_column(String(16))
    # Local time of day (Asia/Shanghai) in minutes after midnight.
    at_minute: Mapped[int] = mapped_column(SmallInteger)
    weekday: Mapped[int | None] = mapped_column(SmallInteger)  # 0 = Monday (weekly)
    day_of_month: Mapped[int | None] = mapped_column(SmallInteger)  # monthly, quarterly
    audience_kind: Mapped[str] = mapped_column(String(16))
    audience_value: Mapped[str | None] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(Text)
    # None: defined by the operator on the command line.
    author_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    next_run_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None]
    # Removed bulletins are kept (their notices point at them) but never run again.
    removed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"Bulletin(id={self.id}, name={self.name!r}, recurrence={self.recurrence!r})"


class Notice(Base):
    """One broadcast: its text, audience and time, composed by an official or a bulletin."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    audience_kind: Mapped[str] = mapped_column(String(16), default=AudienceKind.ALL.value)
    audience_value: Mapped[str | None] = mapped_column(String(64))
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.DRAFT.value)
    # None: as soon as it is confirmed.
    send_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # When the notice last changed: every step of composing a draft moves it, and a draft
    # left alone too long is discarded (NoticeService.expire_drafts). Always set; NULL is
    # allowed only because SQLite cannot add a NOT NULL column without a constant default.
    updated_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # How many outbox rows the fan-out wrote (None before it ran).
    recipients: Mapped[int | None] = mapped_column(Integer)
    bulletin_id: Mapped[int | None] = mapped_column(
        ForeignKey("bulletins.id", ondelete="SET NULL"), index=True
    )

    def __repr__(self) -> str:
        return f"Notice(id={self.id}, status={self.status!r}, audience={self.audience_kind!r})"
