"""The query log's writer: questions that arrive together share one statement.

Every question is logged before its answer is sent (the answer's buttons carry the log id),
so each answer waits for its question's commit; group commit (services/group_commit.py)
keeps that wait short under load. A batch is one statement, so on PostgreSQL it is one round
trip (Database.one_statement).
"""

from __future__ import annotations

from services.group_commit import GroupCommit
from storage import Database
from storage.repositories.query_log import LoggedQuestion, add_queries


class QueryLogWriter:
    """Writes LoggedQuestions in batches; ``log`` returns once the question is committed."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._batches = GroupCommit(self._write)

    async def log(self, question: LoggedQuestion) -> int:
        """Log one question (with whatever else is waiting); returns its id."""
        return await self._batches.submit(question)

    async def _write(self, questions: list[LoggedQuestion]) -> list[int]:
        async with self._db.one_statement() as connection:
            return await add_queries(connection, questions)
