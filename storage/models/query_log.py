"""The query log: each question, the matcher's decision, and the asker's 👍/👎."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

DECISION_ANSWER = "answer"
DECISION_SUGGEST = "suggest"
DECISION_NONE = "none"
# Recognised before any matching (knowledge/emergency.py, knowledge/person_request.py): no
# entry, no candidates. Logged so that "ask a person" can file the message as an enquiry.
DECISION_EMERGENCY = "emergency"
DECISION_PERSON = "person"


class QueryLog(Base):
    """One question a resident asked, what linli decided, and the resident's feedback."""

    __tablename__ = "query_log"
    __table_args__ = (CheckConstraint("feedback IN (-1, 1)", name="feedback"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(index=True)
    raw_text: Mapped[str] = mapped_column(Text)
    normalized_text: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16), index=True)
    entry_id: Mapped[str | None] = mapped_column(String(128))
    score: Mapped[float]
    # [{"entry_id": str, "score": float}, ...] best first, as the matcher ranked them.
    candidates: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    feedback: Mapped[int | None] = mapped_column(SmallInteger)
    feedback_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"QueryLog(id={self.id}, decision={self.decision!r}, entry_id={self.entry_id!r})"
