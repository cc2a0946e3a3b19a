"""The outbox: messages written with the change that caused them, drained by a worker.

Functions take the caller's session and never commit. ``add_message`` is called by services
inside the transaction of the state change, so the message exists exactly when the change
does; its idempotency key makes writing the same intent twice harmless.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from storage.db import note_outbox_written
from storage.models import PRIORITY_PERSONAL, OutboxMessage, OutboxStatus


@lru_cache(maxsize=4)
def _queue_statement(dialect: str) -> ReturningInsert[tuple[int]]:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, built once per dialect.

    The values come at execution: building the statement with them in it cost more than the
    insert itself (SQLAlchemy coerces every value, JSON included) on the filing hot path.
    """
    table = cast(Table, OutboxMessage.__table__)
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(table)
        return pg_stmt.on_conflict_do_nothing(index_elements=[table.c.idempotency_key]).returning(
            table.c.id
        )
    if dialect == "sqlite":
        lite_stmt = sqlite.insert(table)
        return lite_stmt.on_conflict_do_nothing(index_elements=[table.c.idempotency_key]).returning(
            table.c.id
        )
    raise NotImplementedError(f"no outbox insert for {dialect}")


async def add_message(
    session: AsyncSession,
    *,
    chat_id: int,
    telegram_id: int | None,
    language: str,
    message_key: str,
    params: dict[str, Any],
    idempotency_key: str,
    now: datetime,
    buttons: list[list[dict[str, str]]] | None = None,
    photos: list[str] | None = None,
    thread_id: int | None = None,
    reply_to_message_id: int | None = None,
    priority: int = PRIORITY_PERSONAL,
    ticket_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue one message for delivery; False when ``idempotency_key`` was already queued.

    ``not_before`` delays the first attempt (reminders); by default it is due at ``now``.
    """
    values: dict[str, Any] = {
        "chat_id": chat_id,
        "telegram_id": telegram_id,
        "language": language,
        "message_key": message_key,
        "params": params,
        "buttons": buttons,
        "photos": photos,
        "thread_id": thread_id,
        "reply_to_message_id": reply_to_message_id,
        "idempotency_key": idempotency_key,
        "priority": priority,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
        "ticket_id": ticket_id,
    }
    stmt = _queue_statement(session.get_bind().dialect.name)
    result = await session.execute(stmt, values)
    inserted = result.first() is not None
    if inserted:
        note_outbox_written(session)
    return inserted


# --- delivery (the worker's side) -------------------------------------------------------------
# Every outcome below is guarded by status = sending and the claim time, so a worker whose
# claim expired (and was taken over after requeue_stale) cannot overwrite the new claim.


def _claimed(message_id: int, claimed_at: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == message_id,
        OutboxMessage.status == OutboxStatus.SENDING.value,
        OutboxMessage.claimed_at == claimed_at,
    )


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    min_priority: int | None = None,
    max_priority: int | None = None,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` pending rows due at ``now`` (status sending, claimed_at = now).

    Oldest due first within the priority range. On PostgreSQL the rows are picked with
    FOR UPDATE SKIP LOCKED so concurrent workers never claim the same row; SQLite has one
    writer at a time (BEGIN IMMEDIATE), which gives the same guarantee.
    """
    pick = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if min_priority is not None:
        pick = pick.where(OutboxMessage.priority >= min_priority)
    if max_priority is not None:
        pick = pick.where(OutboxMessage.priority <= max_priority)
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(pick.scalar_subquery()))
        .values(status=OutboxStatus.SENDING.value, claimed_at=now)
        .returning(OutboxMessage)
    )
    rows = list(await session.scalars(stmt, execution_options={"populate_existing": True}))
    # RETURNING has no defined order.
    rows.sort(key=lambda row: (row.priority, row.next_attempt_at, row.id))
    return rows


@lru_cache(maxsize=1)
def _sent_statement() -> ReturningUpdate[tuple[int]]:
    """The UPDATE that records a delivery, built once: the worker runs it for every message
    it sends, and building it per row (and the ORM's session synchronisation) cost more
    than the update itself."""
    table = cast(Table, OutboxMessage.__table__)
    c = table.c
    return (
        update(table)
        .where(
            c.id == bindparam("b_id"),
            c.status == OutboxStatus.SENDING.value,
            c.claimed_at == bindparam("b_claimed_at", type_=c.claimed_at.type),
        )
        .values(
            status=OutboxStatus.SENT.value,
            sent_at=bindparam("b_now", type_=c.sent_at.type),
            sent_message_id=bindparam("b_sent_message_id", type_=c.sent_message_id.type),
            attempts=c.attempts + 1,
            last_error=None,
        )
        .returning(c.id)
    )


async def mark_sent(
    session: AsyncSession,
    message_id: int,
    *,
    claimed_at: datetime,
    now: datetime,
    sent_message_id: int | None,
) -> bool:
    """Record a delivered message; False if the claim was lost meanwhile."""
    result = await session.execute(
        _sent_statement(),
        {
            "b_id": message_id,
            "b_claimed_at": claimed_at,
            "b_now": now,
            "b_sent_message_id": sent_message_id,
        },
    )
    return result.first() is not None


async def mark_retry(
    session: AsyncSession,
    message_id: int,
    *,
    claimed_at: datetime,
    next_attempt_at: datetime,
    error: str,
    count_attempt: bool = True,
) -> bool:
    """Put a claimed row back to pending, due at ``next_attempt_at``.

    ``count_attempt=False`` is for waits that are not the message's fault (flood control,
    a worker stopping): they do not bring the row closer to the dead-letter state.
    """
    attempts = OutboxMessage.attempts + 1 if count_attempt else OutboxMessage.attempts
    result = await session.execute(
        update(OutboxMessage)
        .where(_claimed(message_id, claimed_at))
        .values(
            status=OutboxStatus.PENDING.value,
            claimed_at=None,
            next_attempt_at=next_attempt_at,
            attempts=attempts,
            last_error=error[:1000],
        )
        .returning(OutboxMessage.id)
    )
    return result.first() is not None


async def mark_dead(
    session: AsyncSession, message_id: int, *, claimed_at: datetime, error: str
) -> bool:
    """Give up on a claimed row: it stays as a dead letter for admins to read."""
    result = await session.execute(
        update(OutboxMessage)
        .where(_claimed(message_id, claimed_at))
        .values(
            status=OutboxStatus.DEAD.value,
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:1000],
        )
        .returning(OutboxMessage.id)
    )
    return result.first() is not None


async def requeue_dead(session: AsyncSession, now: datetime, message_id: int | None) -> int:
    """Dead letters (all, or the one ``message_id``) back to pending, due now, as if new:
    attempts start again and ``created_at`` moves to now, so their deadline does too."""
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.DEAD.value)
        .values(
            status=OutboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            claimed_at=None,
        )
    )
    if message_id is not None:
        stmt = stmt.where(OutboxMessage.id == message_id)
    result = await session.execute(stmt.returning(OutboxMessage.id))
    return len(result.all())


async def move_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup: send its unsent rows to the new id; returns how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == old_chat_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
        )
        .values(chat_id=new_chat_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def requeue_stale(
    session: AsyncSession, *, claimed_before: datetime, now: datetime, max_attempts: int
) -> tuple[int, int]:
    """Rows claimed before ``claimed_before`` belong to a worker that died: pending again.

    The lost claim counts as an attempt (the send may have been what killed the worker), so
    a row that keeps crashing workers ends dead. Returns (requeued, dead).
    """
    stale = and_(
        OutboxMessage.status == OutboxStatus.SENDING.value,
        OutboxMessage.claimed_at < claimed_before,
    )
    dead = await session.execute(
        update(OutboxMessage)
        .where(stale, OutboxMessage.attempts + 1 >= max_attempts)
        .values(
            status=OutboxStatus.DEAD.value,
            attempts=OutboxMessage.attempts + 1,
            last_error="claim expired: the worker sending it stopped",
        )
    )
    requeued = await session.execute(
        update(OutboxMessage)
        .where(stale)
        .values(
            status=OutboxStatus.PENDING.value,
            claimed_at=None,
            next_attempt_at=now,
            attempts=OutboxMessage.attempts + 1,
            last_error="claim expired: the worker sending it stopped",
        )
    )
    return int(requeued.rowcount), int(dead.rowcount)  # type: ignore[attr-defined]


async def list_dead(session: AsyncSession, *, limit: int) -> list[OutboxMessage]:
    """Dead letters, newest first."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.DEAD.value)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def counts_by_status(session: AsyncSession) -> dict[str, int]:
    """How many rows are in each status (statuses with no rows are left out)."""
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return {status: int(count) for status, count in (await session.execute(stmt)).all()}
