"""The query log: every question asked, the matcher's decision, and the asker's feedback.

It is what the knowledge base is improved from: questions linli could not answer and
answers residents rated 👎 are listed by list_unanswered. Functions never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import cast

from sqlalchemy import Table, TextClause, bindparam, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from storage.db import Statement
from storage.models import DECISION_NONE, QueryLog, Resident
from storage.repositories import names_a_row

SQLITE_ROWS_PER_INSERT = 64
"""Questions per INSERT on SQLite: far below its limit on parameters (eight a row), and
each size's statement is made once (a batch is at most the updates handled at once)."""

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


@dataclass(frozen=True, slots=True)
class LogInsert:
    """One INSERT of logged questions and how its RETURNING ids match them."""

    statement: Statement
    ordered: bool
    """The ids come back in the questions' order; else in ascending order they are."""

    def ids(self, returned: Iterable[int]) -> list[int]:
        ids = [int(query_id) for query_id in returned]
        return ids if self.ordered else sorted(ids)


def log_inserts(dialect: str, questions: Sequence[LoggedQuestion]) -> list[LogInsert]:
    """The INSERTs that log ``questions``: one, unless SQLite gets more than
    SQLITE_ROWS_PER_INSERT. Each asker is found by Telegram id inside the INSERT, so
    logging costs one statement however many questions there are."""
    rows = [
        {
            "asked_at": q.asked_at,
            "raw_text": q.raw_text,
            "normalized_text": q.normalized_text,
            "decision": q.decision,
            "entry_id": q.entry_id,
            "score": q.score,
            "candidates": [dict(candidate) for candidate in q.candidates],
            "asker": q.asker_telegram_id,
        }
        for q in questions
    ]
    if not rows:
        return []
    if dialect != "sqlite":
        return [LogInsert((_each_row(), rows), ordered=True)]
    # SQLAlchemy's ordered RETURNING for many rows falls back on SQLite to one INSERT per
    # row (its ROWIDs cannot be matched to parameter sets in general): a hop to the SQLite
    # thread each, 0.3 ms of CPU per question. One multi-row INSERT instead: SQLite gives
    # each row the next ROWID in the order of VALUES, under the write lock, so the ids in
    # ascending order are the questions' in order.
    inserts = []
    for start in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
        chunk = rows[start : start + SQLITE_ROWS_PER_INSERT]
        parameters = {
            f"{name}_{index}": value
            for index, row in enumerate(chunk)
            for name, value in row.items()
        }
        inserts.append(LogInsert((_many_rows(len(chunk)), parameters), ordered=False))
    return inserts


async def add_queries(
    session: AsyncSession | AsyncConnection, questions: Sequence[LoggedQuestion]
) -> list[int]:
    """Log questions (see log_inserts); returns their ids in the same order."""
    bind = session.get_bind() if isinstance(session, AsyncSession) else session
    ids: list[int] = []
    for insert_ in log_inserts(bind.dialect.name, questions):
        result = await session.execute(*insert_.statement)
        ids.extend(insert_.ids(result.scalars()))
    return ids


@lru_cache(maxsize=1)
def _each_row() -> ReturningInsert[tuple[int]]:
    """INSERT of one question per parameter set (PostgreSQL: SQLAlchemy sends them as one
    statement and gives the ids back in order)."""
    table = cast(Table, QueryLog.__table__)  # Core: the ORM's bulk path costs more per row
    asker = select(Resident.id).where(Resident.telegram_id == bindparam("asker")).scalar_subquery()
    return (
        insert(table).values(resident_id=asker).returning(table.c.id, sort_by_parameter_order=True)
    )


_LOGGED_COLUMNS = (
    "asked_at",
    "raw_text",
    "normalized_text",
    "decision",
    "entry_id",
    "score",
    "candidates",
)


@lru_cache(maxsize=64)
def _many_rows(count: int) -> TextClause:
    """INSERT of ``count`` questions in one statement (SQLite), its parameters named
    ``<column>_<row>`` and ``asker_<row>``. Text, typed like the table's columns: a Core
    INSERT of several VALUES rows is compiled anew every time (SQLAlchemy does not cache
    it), which cost more than the statement; this is compiled once per size."""
    table = cast(Table, QueryLog.__table__)
    resident = cast(Table, Resident.__table__)
    columns = ", ".join(("resident_id", *_LOGGED_COLUMNS))
    asker = f"(SELECT id FROM {resident.name} WHERE telegram_id = :asker_{{0}})"
    one_row = "(" + ", ".join((asker, *(f":{name}_{{0}}" for name in _LOGGED_COLUMNS))) + ")"
    rows = ", ".join(one_row.format(index) for index in range(count))
    sql = f"INSERT INTO {table.name} ({columns}) VALUES {rows} RETURNING id"
    typed = [
        bindparam(f"{name}_{index}", type_=table.c[name].type)
        for index in range(count)
        for name in _LOGGED_COLUMNS
    ]
    return text(sql).bindparams(*typed)


async def add_query(session: AsyncSession, question: LoggedQuestion) -> int:
    """Log one question; returns its id (for feedback buttons)."""
    [query_id] = await add_queries(session, [question])
    return query_id


async def get_query(session: AsyncSession, query_id: int) -> QueryLog | None:
    """One logged question by id, or None."""
    return await session.get(QueryLog, query_id) if names_a_row(query_id) else None


async def set_feedback(
    session: AsyncSession, query_id: int, resident_id: int, feedback: int, now: datetime
) -> bool:
    """Record 👍 (+1) or 👎 (-1) on a logged answer; a second rating replaces the first.

    Only the resident who asked may rate: returns False (and changes nothing) when the
    query does not exist or belongs to someone else. Raises ValueError for other values.
    """
    if feedback not in FEEDBACK_VALUES:
        raise ValueError(f"feedback must be +1 or -1, not {feedback!r}")
    query = await get_query(session, query_id)
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
    query = await get_query(session, query_id)
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


async def recent_topic(session: AsyncSession, telegram_id: int, since: datetime) -> str | None:
    """The entry of the person's latest question answered (or picked from "did you mean")
    since ``since`` and not rated 👎: what a short follow-up (那要带什么材料) is about."""
    stmt = (
        select(QueryLog.entry_id)
        .join(Resident, Resident.id == QueryLog.resident_id)
        .where(
            Resident.telegram_id == telegram_id,
            QueryLog.asked_at >= since,
            QueryLog.entry_id.is_not(None),
            or_(QueryLog.feedback.is_(None), QueryLog.feedback > 0),
        )
        .order_by(QueryLog.id.desc())
        .limit(1)
    )
    found: str | None = await session.scalar(stmt)
    return found
