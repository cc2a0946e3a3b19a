"""The outbox: messages committed with the change that caused them, sent later by a worker.

A crash never loses a message because the intent is written in the same transaction as the
state change; the delivery worker claims due rows, renders ``message_key`` with ``params``
in ``language`` and sends them within Telegram's limits.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class OutboxStatus(StrEnum):
    """Where a message is in its delivery; stored as its value."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    CANCELLED = "cancelled"


PRIORITY_PERSONAL = 0
"""Status changes, replies and staff cards: sent before bulk messages."""
PRIORITY_BULK = 10
"""Broadcasts and bulletins."""


class OutboxMessage(Base):
    """One message to one chat, waiting for (or done with) delivery."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # The resident behind chat_id, so a 403 (bot blocked) can mark them inactive.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(16))
    message_key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [[{"key": catalog key | "text": literal, "data": callback_data}], ...]
    buttons: Mapped[list[list[dict[str, str]]] | None] = mapped_column(JSON)
    photos: Mapped[list[str] | None] = mapped_column(JSON)
    thread_id: Mapped[int | None] = mapped_column(Integer)
    reply_to_message_id: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    priority: Mapped[int] = mapped_column(Integer, default=PRIORITY_PERSONAL)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    # The notice this row belongs to (broadcasts and bulletins): delivery figures per notice
    # and cancelling its unsent part are one indexed query.
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id", ondelete="SET NULL"), index=True
    )

    def __repr__(self) -> str:
        return (
            f"OutboxMessage(id={self.id}, key={self.message_key!r}, chat_id={self.chat_id}, "
            f"status={self.status!r})"
        )
