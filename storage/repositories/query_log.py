"""The query log: every question asked, the matcher's decision, and the asker's feedback.

It is what the knowledge base is improved from: questions linli could not answer and
answers residents rated 👎 are listed by list_unanswered. Functions never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import DECISION_NONE, QueryLog, Resident

FEEDBACK_VALUES = (1, -1)
"""+1 for 👍, -1 for 👎."""


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One question to log, as the matcher decided it."""

    asker_telegram_id: int | None
    asked_at: datetime
    raw_text: str
    normalized_text: str
    decision: str
    entry_id: str | None
    score: float
    candidates: list[dict[str, object]]


async def add_queries(
    session: AsyncSession | AsyncConnection, questions: Sequence[LoggedQuestion]
) -> list[int]:
    """Log questions in one statement; returns their ids in the same order.

    The asker is found by Telegram id inside the INSERT, so logging costs one statement
    however many questions there are (on SQLite each statement is a hop to its thread).
    """
    if not questions:
        return []
    table = cast(Table, QueryLog.__table__)  # Core: the ORM's bulk path costs more per row
    asker = select(Resident.id).where(Resident.telegram_id == bindparam("asker")).scalar_subquery()
    stmt = (
        insert(table).values(resident_id=asker).returning(table.c.id, sort_by_parameter_order=True)
    )
    rows = [
        {
            "asker": q.asker_telegram_id,
            "asked_at": q.asked_at,
            "raw_text": q.raw_text,
            "normalized_text": q.normalized_text,
            "decision": q.decision,
            "entry_id": q.entry_id,
            "score": q.score,
            "candidates": [dict(candidate) for candidate in q.candidates],
        }
        for q in questions
    ]
    result = await session.execute(stmt, rows)
    return [int(query_id) for query_id in result.scalars()]


async def add_query(session: AsyncSession, question: LoggedQuestion) -> int:
    """Log one question; returns its id (for feedback buttons)."""
    [query_id] = await add_queries(session, [question])
    return query_id


async def get_query(session: AsyncSession, query_id: int) -> QueryLog | None:
    """One logged question by id, or None."""
    return await session.get(QueryLog, query_id)


async def set_feedback(
    session: AsyncSession, query_id: int, resident_id: int, feedback: int, now: datetime
) -> bool:
    """Record 👍 (+1) or 👎 (-1) on a logged answer; a second rating replaces the first.

    Only the resident who asked may rate: returns False (and changes nothing) when the
    query does not exist or belongs to someone else. Raises ValueError for other values.
    """
    if feedback not in FEEDBACK_VALUES:
        raise ValueError(f"feedback must be +1 or -1, not {feedback!r}")
    query = await session.get(QueryLog, query_id)
    if query is None or query.resident_id is None or query.resident_id != resident_id:
        return False
    query.feedback = feedback
    query.feedback_at = now
    await session.flush()
    return True


async def set_chosen_entry(
    session: AsyncSession, query_id: int, resident_id: int, entry_id: str
) -> bool:
    """Record the entry the asker picked from "did you mean" suggestions.

    Only the asker's own question changes; returns False otherwise.
    """
    query = await session.get(QueryLog, query_id)
    if query is None or query.resident_id is None or query.resident_id != resident_id:
        return False
    query.entry_id = entry_id
    await session.flush()
    return True


async def list_unanswered(
    session: AsyncSession, *, since: datetime | None, limit: int | None = None
) -> list[QueryLog]:
    """Questions linli could not answer (decision "none") or whose answer was rated 👎.

    Newest first; ``since`` keeps only questions asked at or after that time. Questions whose
    text was erased (/forget, retention) are left out: there is nothing left to learn from.
    """
    stmt = select(QueryLog).where(or_(QueryLog.decision == DECISION_NONE, QueryLog.feedback == -1))
    stmt = stmt.where(QueryLog.raw_text != "")
    if since is not None:
        stmt = stmt.where(QueryLog.asked_at >= since)
    stmt = stmt.order_by(QueryLog.asked_at.desc(), QueryLog.id.desc()).limit(limit)
    return list(await session.scalars(stmt))
