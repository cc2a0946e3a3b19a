"""Group commit: writes that arrive together share one statement and one commit.

On SQLite every transaction waits its turn for the one writer, and on PostgreSQL each is a
round trip; under load, a use case that writes one small row per update (a question's log
entry, a new resident's record) spent most of its time waiting behind others doing the same.
Here an item joins the batch that is being gathered while the previous batch commits, and
its caller resumes when that batch has committed: nothing goes on before it is written, and
a failed batch fails each of its callers (none is lost silently).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Runs ``write`` on batches of items; ``write`` returns one result per item, in order."""

    def __init__(self, write: Callable[[list[Item]], Awaitable[Sequence[Result]]]) -> None:
        self._write = write
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Write ``item`` (with whatever else is waiting); its result once committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            # One turn of the event loop first: the updates already under way reach their
            # write in it and join this batch. A write that takes no thread hop (the query
            # log on SQLite) otherwise ran with two or three items, paying its fixed cost
            # (BEGIN, COMMIT) for each; now five or six, in bench_updates at 100 residents.
            await asyncio.sleep(0)
            batch, self._pending = self._pending, []
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as exc:  # each waiting caller sees its own failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():  # a cancelled update no longer waits for its result
                    future.set_result(result)
