"""Group commit for the query log: questions that arrive together share one transaction.

Every question is logged before its answer is sent (the answer's buttons carry the log id),
and on SQLite every transaction takes its turn for the one writer. Under load, each
transaction therefore waited behind many others that did the same small thing. Here a
question joins the batch that is being gathered while the previous one commits, and its
answer goes out when that batch has committed: nothing is answered before it is logged, and
a failed batch fails each of its questions (each resident gets the apology). A batch is one
statement, so on PostgreSQL it is one round trip (Database.one_statement).
"""

from __future__ import annotations

import asyncio

from storage import Database
from storage.repositories.query_log import LoggedQuestion, add_queries


class QueryLogWriter:
    """Writes LoggedQuestions in batches; ``log`` returns once the question is committed."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[LoggedQuestion, asyncio.Future[int]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def log(self, question: LoggedQuestion) -> int:
        """Log one question (with whatever else is waiting); returns its id."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((question, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self._db.one_statement() as connection:
                    ids = await add_queries(connection, [question for question, _ in batch])
            except Exception as exc:  # each waiting question sees its own failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), query_id in zip(batch, ids, strict=True):
                if not future.done():  # a cancelled update no longer waits for its id
                    future.set_result(query_id)
