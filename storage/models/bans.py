"""Bans: staff stopped a resident from asking and filing, and who lifted it, kept for good."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ResidentBan(Base):
    """One ban of one resident: who imposed it, when and why, and who lifted it, when.

    A resident is banned while a row of theirs has no ``lifted_at``. ``masked``: made
    through an anonymous ticket, such a ban is known by that ticket only, and naming the
    person by their id neither finds nor lifts it (else a guessed id would unmask the
    filer); so a person has at most one ban in force of each kind (a partial unique index,
    so two staff members banning at once cannot both succeed). Lifted rows stay: the
    history of who banned whom is the point. ``banned_by`` / ``lifted_by`` are Telegram
    ids of staff, None for the operator on the command line; ``ticket_id`` is the ticket a
    ban was made through, if any.
    """

    __tablename__ = "resident_bans"
    __table_args__ = (
        Index(
            "ix_resident_bans_open",
            "resident_id",
            "masked",
            unique=True,
            sqlite_where=text("lifted_at IS NULL"),
            postgresql_where=text("lifted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    banned_at: Mapped[datetime]
    banned_by: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[int | None] = mapped_column(BigInteger)
    masked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
