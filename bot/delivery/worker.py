"""The delivery worker: drains the outbox into Telegram within its flood limits.

Two lanes share one rate limiter: the personal lane (status updates, replies, staff cards)
and the bulk lane (broadcasts, bulletins), so a reply never waits behind a broadcast. Each
lane keeps up to ``concurrency`` rows in flight; what happens to a row after a send is
decided by ``services.delivery.DeliveryService``. Start it from post_init with
``start_delivery`` and stop it before the application shuts down with ``stop_delivery``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.delivery.batch import SentBatcher
from bot.delivery.limits import Clock, DeliveryConfig, RealClock, SendLimiter, SendLimits
from bot.delivery.send import RenderError, send_outgoing, worker_bot
from handlers.replies import retry_after_s
from services.delivery import DeliveryService, OutgoingMessage

log = logging.getLogger("linli.delivery")
# A last look at a row before it is sent (e.g. open the ticket's forum topic for a staff card).
Prepare = Callable[[Bot, OutgoingMessage, int], Awaitable[OutgoingMessage]]
_MAX_MIGRATIONS = 2  # a chat id that migrates more often than this is a loop, not a migration
# A row deferred behind another of its chat is due this much later, so that the claim (oldest
# due first) takes them in their order.
_BEHIND_S = 0.01


class DeliveryWorker:
    """Sends claimed outbox rows through ``bot``; see the module docstring."""

    def __init__(
        self,
        bot: Bot,
        service: DeliveryService,
        config: DeliveryConfig | None = None,
        *,
        clock: Clock | None = None,
        limits: SendLimits | None = None,
        prepare: Prepare | None = None,
        may_send: Callable[[], bool] | None = None,
    ) -> None:
        self.bot = bot
        self.service = service
        self.config = config or DeliveryConfig()
        self.clock: Clock = clock or RealClock()
        self.limiter = SendLimiter(limits or self.config.limits(), self.clock)
        self.prepare = prepare
        self.stats: Counter[str] = Counter()
        self.migrated: dict[int, int] = {}  # old chat id → new, for rows written before we knew
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}
        # Chats with a deferred row: until when (worker clock) their later rows wait too,
        # and the id of that first deferred row.
        self._held: dict[int, tuple[float, int]] = {}
        self._wakes: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._inflight: dict[asyncio.Task[None], _Send] = {}
        self._stop = asyncio.Event()
        self._sent = SentBatcher(service)
        # Whether this process sends right now (asked before each claim); bot/app.py gives
        # sending to the scheduler leader on PostgreSQL: Telegram's limits are per bot.
        self.may_send: Callable[[], bool] = may_send or (lambda: True)

    def nudge(self) -> None:
        """New rows were committed: look now instead of at the next poll."""
        self.service.nudge.notify()

    async def start(self) -> None:
        """Requeue rows abandoned by a dead worker, then run both lanes and the janitor."""
        await self._requeue_stale()
        self._sent.start()
        self._tasks = [
            asyncio.create_task(self._lane(bulk=False), name="delivery-personal"),
            asyncio.create_task(self._lane(bulk=True), name="delivery-bulk"),
            asyncio.create_task(self._janitor(), name="delivery-janitor"),
        ]

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stop claiming; let sends in flight finish for up to ``grace_s``; unsent claims are
        released to pending so a restart sends them without waiting for the claim timeout."""
        self._stop.set()
        for task in [*self._tasks, *self._wakes]:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # Rows still waiting for the limiter go back at once; requests already made may
        # have been delivered, so they get ``grace_s`` to record their outcome.
        waiting = [task for task, send in self._inflight.items() if not send.reached_telegram]
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        if self._inflight:
            _, late = await asyncio.wait(list(self._inflight), timeout=grace_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self._sent.stop()

    # --- lanes -----------------------------------------------------------------------------

    async def _lane(self, *, bulk: bool) -> None:
        inflight: set[asyncio.Task[None]] = set()
        while not self._stop.is_set():
            generation = self.service.nudge.generation
            free = self.config.concurrency - len(inflight)
            rows = await self._claim(free, bulk) if free > 0 and self.may_send() else []
            for message in rows:
                send = _Send(message, self.migrated.get(message.chat_id, message.chat_id))
                task = asyncio.create_task(self._deliver(send))
                inflight.add(task)
                self._inflight[task] = send
                task.add_done_callback(self._finished(inflight))
            full = len(inflight) >= self.config.concurrency
            if rows and len(rows) == free and not full:
                continue  # sends finished while we claimed, and more rows may be due
            # A full lane waits for a free slot; otherwise nothing more is due right now.
            await self._wait(generation, inflight if full else set())

    async def _claim(self, limit: int, bulk: bool) -> list[OutgoingMessage]:
        try:
            return await self.service.claim(limit, bulk=bulk)
        except Exception:  # the database may be restarting; try again at the next poll
            log.exception("claiming outbox rows failed")
            return []

    async def _wait(self, generation: int, inflight: set[asyncio.Task[None]]) -> None:
        """Until a nudge, the poll interval, the stop, or (lane full) a free slot."""
        waiters = [
            asyncio.ensure_future(self.service.nudge.wait(generation)),
            asyncio.ensure_future(self.clock.sleep(self.config.poll_interval_s)),
            asyncio.ensure_future(self._stop.wait()),
        ]
        if inflight:
            waiters.append(
                asyncio.ensure_future(asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED))
            )
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _janitor(self) -> None:
        interval = max(1.0, self.config.claim_timeout_s / 4)
        while not self._stop.is_set():
            await self.clock.sleep(interval)
            await self._requeue_stale()

    async def _requeue_stale(self) -> None:
        try:
            requeued, dead = await self.service.requeue_stale(self.config.claim_timeout_s)
        except Exception:
            log.exception("requeueing stale outbox claims failed")
            return
        if requeued or dead:
            log.warning("outbox: %d stale claims requeued, %d dead", requeued, dead)
            self.stats["requeued"] += requeued
            self.nudge()

    # --- one row ---------------------------------------------------------------------------

    def _finished(self, lane: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            lane.discard(task)
            self._inflight.pop(task, None)
            # A row whose outcome could not be recorded stays claimed; requeue_stale takes it.
            if not task.cancelled() and task.exception() is not None:
                log.error("delivering an outbox row crashed", exc_info=task.exception())

        return done

    async def _deliver(self, send: _Send) -> None:
        message, chat_id = send.message, send.chat_id
        # Rows to one chat go out in claim order: the chat's lock is FIFO.
        lock, users = self._chat_locks.get(chat_id, (asyncio.Lock(), 0))
        self._chat_locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                wait = self._deferral(chat_id, message.id)
                if wait > 0:
                    await self._defer(message, chat_id, wait)
                    return
                await self._attempt(send)
        except asyncio.CancelledError:
            if not send.reached_telegram:  # nothing went out: hand the row back now
                await asyncio.shield(self.service.postpone(message, 0, "worker stopped"))
            raise
        finally:
            lock, users = self._chat_locks[chat_id]
            if users <= 1:
                del self._chat_locks[chat_id]
            else:
                self._chat_locks[chat_id] = (lock, users - 1)

    def _deferral(self, chat_id: int, row_id: int) -> float:
        """Seconds to put the row back for (0: send it now).

        A busy group (20/min) must not hold a slot that replies need, so a row whose chat is
        full for longer than ``defer_after_s`` goes back to the queue until its slot frees.
        A later row of that chat is deferred behind it, even if by then the slot is near:
        otherwise it took the slot the first one waited for, and the first waited a second
        window (a staff card 10 s late in benchmarks/bench_flood.py).
        """
        now = self.clock.monotonic()
        until, first_id = self._held.get(chat_id, (now, row_id))
        if until <= now or row_id == first_id:  # the hold is over, or this row is its own
            self._held.pop(chat_id, None)
        wait = self.limiter.chat_wait(chat_id)
        if until > now and row_id > first_id:
            return max(wait, until - now + _BEHIND_S)
        return wait if wait > self.config.defer_after_s else 0.0

    async def _defer(self, message: OutgoingMessage, chat_id: int, wait: float) -> None:
        until = self.clock.monotonic() + wait
        if chat_id not in self._held:  # the first deferred row holds the chat
            self._held[chat_id] = (until, message.id)
        self.stats["deferred"] += 1
        await self.service.postpone(message, wait, "waiting for the chat's limit")
        # Look again when it is due rather than at the next poll (up to a second later).
        wake = asyncio.create_task(self._nudge_after(wait))
        self._wakes.add(wake)
        wake.add_done_callback(self._wakes.discard)

    async def _nudge_after(self, seconds: float) -> None:
        await self.clock.sleep(seconds + _BEHIND_S)
        self.nudge()

    async def _attempt(self, send: _Send) -> None:
        message = send.message
        paid = self.config.paid_broadcast and message.bulk

        async def before_call() -> None:
            await self.limiter.acquire(send.chat_id, paid=paid, personal=not message.bulk)
            age = (self.service.clock() - message.claimed_at).total_seconds()
            if age > self.config.claim_timeout_s / 2:
                # Another worker may requeue and send it soon: do not race it.
                raise _ClaimTooOld(f"claimed {age:.0f} s ago")
            send.reached_telegram = True

        for _ in range(_MAX_MIGRATIONS + 1):
            try:
                if self.prepare is not None:
                    message = await self.prepare(self.bot, message, send.chat_id)
                sent_id = await send_outgoing(
                    self.bot, message, send.chat_id, paid=paid, before_call=before_call
                )
            except ChatMigrated as exc:
                send.chat_id = await self._migrate(send.chat_id, exc.new_chat_id)
                continue
            except _ClaimTooOld as exc:
                await self.service.postpone(message, 0, str(exc))
                return
            except Exception as exc:
                await self._record_error(message, exc)
                return
            self.stats["sent"] += 1
            if not await self._sent.record(message, sent_id):
                log.warning("outbox row %d was sent after its claim expired", message.id)
            return
        await self.service.record_permanent_failure(message, "chat migrated too many times")
        self.stats["dead"] += 1

    async def _migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        # The rows first, then the sends: a row another lane sent to the new id (through
        # ``migrated``) before the move committed kept the old id (the move takes unsent
        # rows only), and a card's later edits would go to a chat that no longer exists.
        moved = await self.service.record_chat_migrated(old_chat_id, new_chat_id)
        self.migrated[old_chat_id] = new_chat_id
        self.stats["migrated"] += 1
        log.warning(
            "chat %d became supergroup %d; %d queued messages moved (update any setting "
            "that names the old id, e.g. LINLI_STAFF_CHAT_ID)",
            old_chat_id,
            new_chat_id,
            moved,
        )
        return new_chat_id

    async def _record_error(self, message: OutgoingMessage, exc: Exception) -> None:
        """Classify a failed send. BadRequest subclasses NetworkError, so it is tested first."""
        service = self.service
        if isinstance(exc, RenderError):
            log.error(
                "outbox row %d (%s) cannot be rendered: %s", message.id, message.message_key, exc
            )
            await service.record_permanent_failure(message, f"render: {exc}")
            self.stats["dead"] += 1
        elif isinstance(exc, RetryAfter):
            seconds = retry_after_s(exc)
            self.limiter.pause(seconds)
            self.stats["flood_waits"] += 1
            log.warning("Telegram asked to wait %.0f s; all sends paused", seconds)
            await service.postpone(message, seconds, str(exc))
        elif isinstance(exc, Forbidden) and message.chat_id < 0:
            # A group (the staff chat) refusing the bot is an outage staff can mend (add it
            # back, give it the right): retried within the deadline, and admins hear of it.
            log.warning("a group refused outbox row %d: %s", message.id, exc.message)
            due = await service.record_failure(message, f"forbidden in group: {exc.message}")
            self.stats["retried" if due else "dead"] += 1
        elif isinstance(exc, Forbidden):
            await service.record_blocked(message, exc.message)
            self.stats["blocked"] += 1
        elif isinstance(exc, BadRequest):
            log.warning("outbox row %d refused by Telegram: %s", message.id, exc.message)
            await service.record_permanent_failure(message, f"bad request: {exc.message}")
            self.stats["dead"] += 1
        else:
            if not isinstance(exc, TelegramError):  # a bug, not Telegram: log it loudly
                log.error("sending outbox row %d failed", message.id, exc_info=exc)
            due = await service.record_failure(message, f"{type(exc).__name__}: {exc}")
            self.stats["retried" if due else "dead"] += 1


class _ClaimTooOld(Exception):
    """The row waited so long for the limiter that its claim is about to expire."""


@dataclass
class _Send:
    """One row on its way: the chat it goes to (after migrations) and whether a request
    may have reached Telegram (then a stop must not hand it back: it may be delivered)."""

    message: OutgoingMessage
    chat_id: int
    reached_telegram: bool = False


async def start_delivery(
    application: Any, services: Any, config: DeliveryConfig | None = None, **kw: Any
) -> DeliveryWorker:
    """Start the worker for ``application`` (call from post_init); stop it with stop_delivery.

    ``services`` needs ``db`` and ``residents``; its ``delivery`` service is used when it has
    one (so that services nudging it reach this worker). ``kw`` goes to DeliveryWorker.
    """
    config = config or DeliveryConfig()
    delivery = getattr(services, "delivery", None)
    if delivery is None:
        delivery = DeliveryService(services.db, services.residents)
    delivery.policy = config.policy()  # the operator's settings decide retries
    bot = worker_bot(application.bot, 2 * config.concurrency + 2)
    try:
        await bot.initialize()
    except BaseException:
        await bot.shutdown()  # its connection pools are open even when getMe failed
        raise
    worker = DeliveryWorker(bot, delivery, config, **kw)
    await worker.start()
    return worker


async def stop_delivery(worker: DeliveryWorker | None) -> None:
    """Stop a worker started by start_delivery (call before the application stops)."""
    if worker is None:
        return
    await worker.stop()
    with contextlib.suppress(Exception):
        await worker.bot.shutdown()
