"""Updates received and not yet handled, per chat: the queue that keeps one chat's order
across several processes behind a webhook (PostgreSQL only; empty on SQLite)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class QueuedUpdate(Base):
    """One update a process received for a chat and has not finished handling.

    ``owner`` is the receiving process's random token, ``received_at`` when it arrived,
    ``claimed_at`` when its turn began (None while it waits), and ``seen_at`` when its
    process last showed it is alive; a row not seen for a while belongs to a dead process
    and no longer holds the chat. Times come from the database server's clock, so that
    processes on hosts with skewed clocks agree.
    """

    __tablename__ = "chat_queue"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    owner: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]
