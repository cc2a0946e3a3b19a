"""Delivering the outbox, Telegram-free: claims, outcomes, retry policy and dead letters.

The worker in ``bot/delivery/worker.py`` does the sending; every decision about what happens to a
row afterwards (retry when, give up when, who becomes inactive) is made here, each outcome
in its own short transaction so a crash loses at most the sends that were in flight.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.residents.service import ResidentService
from storage import Database, Role
from storage.models import PRIORITY_BULK, OutboxMessage
from storage.repositories import outbox as repo
from storage.repositories import residents as residents_repo
from storage.repositories.reminders import list_active_with_roles

Clock = Callable[[], datetime]
REASON_BLOCKED = "blocked"
DEAD_ALERT = "outbox.dead_alert"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, up to an hour between tries. A row is given up
    (dead) after at least ``max_attempts`` sends AND once its kind's deadline has passed
    since it was queued: a staff card or a status message rides out a day of outage
    (Telegram down, the bot removed from the staff chat for a while), a notice six hours
    (later than that it is news no more)."""

    max_attempts: int = 5
    base_delay_s: float = 2.0
    max_delay_s: float = 3600.0
    jitter: float = 0.25  # ± this fraction, so rows that failed together do not retry together
    personal_deadline_s: float = 24 * 3600.0  # cards, status messages, replies
    bulk_deadline_s: float = 6 * 3600.0  # notices and bulletins

    def gives_up(self, attempts: int, age_s: float, *, bulk: bool) -> bool:
        """Whether a row tried ``attempts`` times, queued ``age_s`` ago, is dead now."""
        deadline = self.bulk_deadline_s if bulk else self.personal_deadline_s
        return attempts >= self.max_attempts and age_s >= deadline

    def delay_s(self, attempts: int, rand: float) -> float:
        """Seconds to wait after the ``attempts``-th failed send; ``rand`` is in [0, 1)."""
        raw = min(self.max_delay_s, self.base_delay_s * 2.0 ** max(0, attempts - 1))
        return max(0.0, raw * (1 + self.jitter * (2 * rand - 1)))


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A claimed outbox row, as the worker needs it to render and send."""

    id: int
    chat_id: int
    telegram_id: int | None
    language: str
    message_key: str
    params: Mapping[str, Any]
    buttons: tuple[tuple[Mapping[str, str], ...], ...]
    photos: tuple[str, ...]
    thread_id: int | None
    reply_to_message_id: int | None
    priority: int
    attempts: int
    claimed_at: datetime
    created_at: datetime

    @property
    def bulk(self) -> bool:
        return self.priority >= PRIORITY_BULK


@dataclass(frozen=True, slots=True)
class DeadLetterView:
    """A message linli gave up on, for admins."""

    id: int
    chat_id: int
    telegram_id: int | None
    message_key: str
    idempotency_key: str
    attempts: int
    last_error: str | None
    created_at: datetime
    ticket_id: int | None


class OutboxNudge:
    """Wakes the delivery worker when a service has committed new rows.

    A generation counter instead of a bare Event: a notify that happens while the worker
    is busy claiming is still seen when it next waits.
    """

    def __init__(self) -> None:
        self.generation = 0
        self._changed = asyncio.Event()

    def notify(self) -> None:
        """Call after the transaction that wrote outbox rows has committed."""
        self.generation += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait(self, since: int) -> None:
        """Return once ``generation`` differs from ``since``."""
        while self.generation == since:
            await self._changed.wait()


def _outgoing(row: OutboxMessage) -> OutgoingMessage:
    assert row.claimed_at is not None
    return OutgoingMessage(
        id=row.id,
        chat_id=row.chat_id,
        telegram_id=row.telegram_id,
        language=row.language,
        message_key=row.message_key,
        params=dict(row.params or {}),
        buttons=tuple(tuple(dict(b) for b in line) for line in row.buttons or ()),
        photos=tuple(row.photos or ()),
        thread_id=row.thread_id,
        reply_to_message_id=row.reply_to_message_id,
        priority=row.priority,
        attempts=row.attempts,
        claimed_at=row.claimed_at,
        created_at=row.created_at,
    )


def _dead_letter(row: OutboxMessage) -> DeadLetterView:
    return DeadLetterView(
        id=row.id,
        chat_id=row.chat_id,
        telegram_id=row.telegram_id,
        message_key=row.message_key,
        idempotency_key=row.idempotency_key,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        ticket_id=row.ticket_id,
    )


class DeliveryService:
    """What happens to outbox rows around a send; one transaction per outcome."""

    def __init__(
        self,
        db: Database,
        residents: ResidentService,
        *,
        clock: Clock = _utc_now,
        policy: RetryPolicy | None = None,
        rand: Callable[[], float] = random.random,
        nudge: OutboxNudge | None = None,
    ) -> None:
        self._db = db
        self._residents = residents
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self._rand = rand
        self.nudge = nudge or OutboxNudge()

    async def claim(self, limit: int, *, bulk: bool) -> list[OutgoingMessage]:
        """Claim due rows of one lane: personal (priority below bulk) or bulk."""
        bounds = {"min_priority": PRIORITY_BULK} if bulk else {"max_priority": PRIORITY_BULK - 1}
        async with self._db.transaction() as session:
            rows = await repo.claim_due(session, now=self.clock(), limit=limit, **bounds)
            return [_outgoing(row) for row in rows]

    async def record_sent(self, message: OutgoingMessage, sent_message_id: int | None) -> bool:
        """The message reached Telegram; False if its claim had been taken over meanwhile."""
        async with self._db.transaction() as session:
            return await repo.mark_sent(
                session,
                message.id,
                claimed_at=message.claimed_at,
                now=self.clock(),
                sent_message_id=sent_message_id,
            )

    async def record_sent_many(
        self, sent: Sequence[tuple[OutgoingMessage, int | None]]
    ) -> list[bool]:
        """record_sent for many rows in one transaction (the worker batches them)."""
        now = self.clock()
        async with self._db.transaction() as session:
            return [
                await repo.mark_sent(
                    session, m.id, claimed_at=m.claimed_at, now=now, sent_message_id=sent_id
                )
                for m, sent_id in sent
            ]

    async def record_failure(self, message: OutgoingMessage, error: str) -> datetime | None:
        """A transient failure: retry after backoff, or dead after the last attempt.

        Returns when the next attempt is due, or None if the message is now dead.
        """
        attempts = message.attempts + 1
        now = self.clock()
        age_s = (now - message.created_at).total_seconds()
        async with self._db.transaction() as session:
            if self.policy.gives_up(attempts, age_s, bulk=message.bulk):
                if await repo.mark_dead(
                    session, message.id, claimed_at=message.claimed_at, error=error
                ):
                    await self._tell_admins(session, message, now)
                return None
            due = self.clock() + timedelta(seconds=self.policy.delay_s(attempts, self._rand()))
            await repo.mark_retry(
                session, message.id, claimed_at=message.claimed_at, next_attempt_at=due, error=error
            )
            return due

    async def record_permanent_failure(self, message: OutgoingMessage, reason: str) -> None:
        """Retrying cannot help (bad request, unknown catalog key): dead at once."""
        async with self._db.transaction() as session:
            if await repo.mark_dead(
                session, message.id, claimed_at=message.claimed_at, error=reason
            ):
                await self._tell_admins(session, message, self.clock())

    async def _tell_admins(
        self, session: AsyncSession, message: OutgoingMessage, now: datetime
    ) -> None:
        """Tell every active admin that messages go dead: once an hour at most (the
        idempotency key names the hour), never about the alert itself, and never a
        resident who blocked linli (that is their choice, not a fault)."""
        if message.message_key == DEAD_ALERT:
            return
        hour = now.strftime("%Y-%m-%dT%H")
        for admin in await list_active_with_roles(session, [Role.ADMIN]):
            await repo.add_message(
                session,
                chat_id=admin.chat_id,
                telegram_id=admin.telegram_id,
                language=admin.language or "zh-Hans",
                message_key=DEAD_ALERT,
                params={"message_key": message.message_key, "chat_id": message.chat_id},
                idempotency_key=f"{DEAD_ALERT}:{hour}:{admin.telegram_id}",
                now=now,
            )

    async def retry_dead(self, message_id: int | None = None) -> int:
        """Put dead letters (one, or all) back in the queue as new: ``linli outbox retry``,
        once whatever made them fail is mended. Returns how many."""
        async with self._db.transaction() as session:
            return await repo.requeue_dead(session, self.clock(), message_id)

    async def record_blocked(self, message: OutgoingMessage, error: str) -> None:
        """The recipient blocked linli (403): the resident becomes inactive, the row dead."""
        async with self._db.transaction() as session:
            if message.telegram_id is not None:
                await residents_repo.mark_inactive(session, message.telegram_id)
            await repo.mark_dead(
                session,
                message.id,
                claimed_at=message.claimed_at,
                error=f"{REASON_BLOCKED}: {error}",
            )
        if message.telegram_id is not None:
            # Someone who unblocks linli and writes at once must be registered as active.
            self._residents.forget(message.telegram_id)

    async def postpone(self, message: OutgoingMessage, seconds: float, reason: str) -> None:
        """Back to pending for ``seconds`` without using up an attempt (flood wait, stop).

        The due time is rounded up to a whole second: rows to one chat deferred a moment
        apart then share it, and the claim order (due time, id) keeps them in order.
        """
        due = self.clock() + timedelta(seconds=seconds)
        if due.microsecond:
            due = due.replace(microsecond=0) + timedelta(seconds=1)
        async with self._db.transaction() as session:
            await repo.mark_retry(
                session,
                message.id,
                claimed_at=message.claimed_at,
                next_attempt_at=due,
                error=reason,
                count_attempt=False,
            )

    async def record_chat_migrated(self, old_chat_id: int, new_chat_id: int) -> int:
        """A group became a supergroup: unsent rows (claimed ones too) go to the new id."""
        async with self._db.transaction() as session:
            return await repo.move_chat(session, old_chat_id, new_chat_id)

    async def requeue_stale(self, claim_timeout_s: float) -> tuple[int, int]:
        """Rows claimed longer ago than the timeout belong to a dead worker: pending again
        (or dead once out of attempts). Returns (requeued, dead)."""
        now = self.clock()
        async with self._db.transaction() as session:
            return await repo.requeue_stale(
                session,
                claimed_before=now - timedelta(seconds=claim_timeout_s),
                now=now,
                max_attempts=self.policy.max_attempts,
            )

    async def counts(self) -> dict[str, int]:
        """Rows per status, for figures and health checks."""
        async with self._db.transaction() as session:
            return await repo.counts_by_status(session)

    async def list_dead_letters(self, limit: int = 50) -> list[DeadLetterView]:
        """The newest dead letters (operator's command line; no Telegram caller)."""
        async with self._db.transaction() as session:
            return [_dead_letter(row) for row in await repo.list_dead(session, limit=limit)]

    async def list_dead_letters_for(self, actor_id: int, limit: int = 50) -> list[DeadLetterView]:
        """Dead letters for an admin asking from Telegram; PermissionDenied for anyone else."""
        await self._residents.require_role(actor_id, Role.ADMIN)
        return await self.list_dead_letters(limit)
