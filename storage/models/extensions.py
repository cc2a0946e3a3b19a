"""Extension requests (延期申请): staff ask for more time on a ticket, an official decides.

A request names the resolution due time it replaces and the one it asks for; the decision
(approved or refused, by whom, when) is written on the same row. The ticket's due time
moves only on approval, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ExtensionStatus(StrEnum):
    """Where an extension request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class TicketExtension(Base):
    """One request to move a ticket's resolution due time, and its decision."""

    __tablename__ = "ticket_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime]
    # What the resident will read: the reason is told to them in the approval message.
    reason: Mapped[str] = mapped_column(Text)
    from_due_at: Mapped[datetime]
    to_due_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"TicketExtension(id={self.id}, ticket_id={self.ticket_id}, status={self.status!r})"
