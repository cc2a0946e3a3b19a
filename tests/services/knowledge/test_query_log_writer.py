"""Group commit of the query log: together-arriving questions share a statement, in order,
each with its own id (failures: tests/services/test_group_commit.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.knowledge.query_log import QueryLogWriter
from storage import Database
from storage.repositories.query_log import LoggedQuestion, get_query

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def question(text: str) -> LoggedQuestion:
    return LoggedQuestion(None, T0, text, text, "none", None, 0.0, [])


async def test_questions_asked_together_are_all_logged_with_their_own_ids(
    database: Database,
) -> None:
    writer = QueryLogWriter(database)
    texts = [f"问题{i}" for i in range(25)]
    ids = await asyncio.gather(*(writer.log(question(t)) for t in texts))
    assert len(set(ids)) == 25
    async with database.transaction() as session:
        stored = [await get_query(session, query_id) for query_id in ids]
    assert [row.raw_text for row in stored if row] == texts
