"""The per-chat queue of updates that keeps one chat's order across several processes
behind a webhook, and the watermark of Telegram's update sequence (PostgreSQL only; empty
on SQLite)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, SmallInteger, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class QueuedUpdate(Base):
    """One update a process received for a chat: waiting, running, or handled.

    ``owner`` is the receiving process's random token, ``received_at`` when it arrived,
    ``claimed_at`` when its turn began (None while it waits), ``seen_at`` when its process
    last showed it is alive (a row not seen for a while belongs to a dead process and no
    longer holds the chat), and ``handled_at`` when it was done: a handled row stays until
    the watermark has passed it, as the record that its update_id arrived. Times come from
    the database server's clock, so that processes on hosts with skewed clocks agree.
    """

    __tablename__ = "chat_queue"
    __table_args__ = (
        Index("ix_chat_queue_update_id", "update_id"),
        # The open rows alone (revision 0024): a chat's handled rows stay for a minute.
        Index(
            "ix_chat_queue_open",
            "chat_id",
            "update_id",
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
    )

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    owner: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]


class UpdateWatermark(Base):
    """One row (``id`` 1): every update_id at or below ``update_id`` has reached some
    process, or was waited for long enough and given up."""

    __tablename__ = "update_watermark"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger)
