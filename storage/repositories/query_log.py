"""The query log: every question asked, the matcher's decision, and the asker's feedback.

It is what the knowledge base is improved from: questions linli could not answer and
answers residents rated 👎 are listed by list_unanswered. Functions never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DECISION_NONE, QueryLog, Resident

FEEDBACK_VALUES = (1, -1)
"""+1 for 👍, -1 for 👎."""


async def add_query(
    session: AsyncSession,
    *,
    asker_telegram_id: int | None,
    asked_at: datetime,
    raw_text: str,
    normalized_text: str,
    decision: str,
    entry_id: str | None,
    score: float,
    candidates: list[dict[str, object]],
) -> int:
    """Log one question; returns its id (for feedback buttons).

    One INSERT, with the asker found by Telegram id inside it: this runs for every question,
    and on SQLite every statement is a hop to the database thread.
    """
    resident_id = (
        None
        if asker_telegram_id is None
        else select(Resident.id).where(Resident.telegram_id == asker_telegram_id).scalar_subquery()
    )
    # A Core insert: the ORM's bulk-insert path costs more per row.
    table = cast(Table, QueryLog.__table__)
    stmt = (
        insert(table)
        .values(
            resident_id=resident_id,
            asked_at=asked_at,
            raw_text=raw_text,
            normalized_text=normalized_text,
            decision=decision,
            entry_id=entry_id,
            score=score,
            candidates=[dict(candidate) for candidate in candidates],
        )
        .returning(table.c.id)
    )
    return int((await session.execute(stmt)).scalar_one())


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

    Newest first; ``since`` keeps only questions asked at or after that time.
    """
    stmt = select(QueryLog).where(or_(QueryLog.decision == DECISION_NONE, QueryLog.feedback == -1))
    if since is not None:
        stmt = stmt.where(QueryLog.asked_at >= since)
    stmt = stmt.order_by(QueryLog.asked_at.desc(), QueryLog.id.desc()).limit(limit)
    return list(await session.scalars(stmt))
