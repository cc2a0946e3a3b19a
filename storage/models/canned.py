"""Canned replies (常用语): texts staff send with one press, managed by admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class CannedReply(Base):
    """One canned text for one action (reply, resolve, reject) of one category, or of every
    category when ``category`` is None.

    Rows are never deleted: removing one sets ``removed_at`` / ``removed_by``, so who added
    and who removed each text, and when, stays on record. ``created_by`` / ``removed_by`` are
    admins' Telegram ids, None for the operator on the command line and for the bundled
    samples (``sample``), which the migration writes for operators to edit.
    """

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(1000))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[int | None] = mapped_column(BigInteger)
