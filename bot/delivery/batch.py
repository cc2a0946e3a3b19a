"""Recording successful sends in batches: one transaction for many rows.

At hundreds of messages a second a transaction per delivered row is what limits the worker
on SQLite (one writer). A send waits until its batch is committed, so it holds its slot
until then: the rows at risk of a duplicate after a kill stay bounded by the concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.delivery import DeliveryService, OutgoingMessage

log = logging.getLogger("linli.delivery")


class SentBatcher:
    """Collects (row, Telegram message id) and writes them together."""

    def __init__(self, service: DeliveryService) -> None:
        self._service = service
        self._pending: list[tuple[OutgoingMessage, int | None, asyncio.Future[bool]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-recorder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def record(self, message: OutgoingMessage, sent_message_id: int | None) -> bool:
        """Wait until the row is recorded as sent; False if its claim had expired."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((message, sent_message_id, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._pending = self._pending, []
            if not batch:
                continue
            try:
                results = await self._service.record_sent_many([(m, i) for m, i, _ in batch])
            except Exception as exc:  # the rows stay claimed; requeue_stale takes them back
                log.exception("recording %d sent rows failed", len(batch))
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), recorded in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(recorded)
