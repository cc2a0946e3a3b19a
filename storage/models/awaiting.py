"""What a person owes linli next: one row per person, at most."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Awaiting(Base):
    """The answer linli waits for from one person (a filing step, a broadcast step, a
    rating comment, an entry id …), so that every process routes their next message alike.

    ``kind`` names the flow, ``reference`` what it is about (a notice id and step, a ticket
    number and score …); ``expires_at`` is None for flows whose drafts expire by themselves.
    """

    __tablename__ = "awaiting"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(128), default="")
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
