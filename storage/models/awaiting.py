"""What a person owes linli next: one row per person, at most."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Awaiting(Base):
    """The answer linli waits for from one person (a filing step, a broadcast step, a
    rating comment, an entry id …), so that every process routes their next message alike.

    ``kind`` names the flow, ``reference`` what it is about (a notice id and step, a ticket
    number and score …); ``expires_at`` is None for flows whose drafts expire by themselves.
    ``chat_id`` and ``message_id`` say where linli asked, when the answer is taken in a group
    (the staff chat's reject reason: a reply to that message answers it, whoever replies).
    """

    __tablename__ = "awaiting"
    __table_args__ = (
        Index("ix_awaiting_chat_id_message_id", "chat_id", "message_id", unique=True),
    )

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(128), default="")
    expires_at: Mapped[datetime | None]
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
