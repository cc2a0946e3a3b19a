"""The query log's writer: questions that arrive together share one statement.

Every question is logged before its answer is sent (the answer's buttons carry the log id),
so each answer waits for its question's commit; group commit (services/group_commit.py)
keeps that wait short under load. A batch is one statement, written as cheaply as the
database allows (Database.write_now): on SQLite in the event loop's thread, on PostgreSQL in
one round trip.
"""

from __future__ import annotations

from services.group_commit import GroupCommit
from storage import Database
from storage.repositories.query_log import LoggedQuestion, log_inserts


class QueryLogWriter:
    """Writes LoggedQuestions in batches; ``log`` returns once the question is committed."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._batches = GroupCommit(self._write)

    async def log(self, question: LoggedQuestion) -> int:
        """Log one question (with whatever else is waiting); returns its id."""
        return await self._batches.submit(question)

    async def _write(self, questions: list[LoggedQuestion]) -> list[int]:
        inserts = log_inserts(self._db.engine.dialect.name, questions)
        returned = await self._db.write_now([each.statement for each in inserts])
        return [
            query_id
            for each, rows in zip(inserts, returned, strict=True)
            for query_id in each.ids(row[0] for row in rows)
        ]
