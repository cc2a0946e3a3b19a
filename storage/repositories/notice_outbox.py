"""The outbox rows of notices: writing a notice's rows in bulk, its figures, cancelling it.

Kept apart from repositories/outbox.py (the delivery worker's side). Functions take the
caller's session and never commit; the fan-out writes every row of a notice in the same
transaction as the notice's status change, so a crash leaves all of them or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PRIORITY_BULK, OutboxMessage, OutboxStatus

# Rows per INSERT call: SQLAlchemy packs them into multi-row VALUES pages of 1,000; chunking
# keeps the parameter lists of a 100,000-recipient notice from sitting in memory at once.
CHUNK = 5_000
# The delivery worker writes "blocked: ..." as last_error when a resident blocked linli.
BLOCKED_PREFIX = "blocked:"


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """One recipient's copy of a notice, as the fan-out computed it."""

    chat_id: int
    telegram_id: int
    language: str
    not_before: datetime


def _insert(session: AsyncSession) -> Insert:
    dialect = session.get_bind().dialect.name
    key = [OutboxMessage.idempotency_key]
    if dialect == "postgresql":
        return postgresql.insert(OutboxMessage).on_conflict_do_nothing(index_elements=key)
    if dialect == "sqlite":
        return sqlite.insert(OutboxMessage).on_conflict_do_nothing(index_elements=key)
    raise NotImplementedError(f"no outbox insert for {dialect}")


async def add_notice_messages(
    session: AsyncSession,
    *,
    notice_id: int,
    rows: Iterable[NoticeRow],
    message_key: str,
    params: dict[str, Any],
    photos: list[str] | None,
    now: datetime,
) -> None:
    """Queue one bulk-priority row per recipient, keyed ``notice:<id>:<chat_id>``.

    A row whose key exists already is skipped, so writing a notice twice adds nothing.
    """
    stmt = _insert(session)
    connection = await session.connection()
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(_values(notice_id, row, message_key, params, photos, now))
        if len(batch) >= CHUNK:
            await connection.execute(stmt, batch)
            batch = []
    if batch:
        await connection.execute(stmt, batch)


def _values(
    notice_id: int,
    row: NoticeRow,
    message_key: str,
    params: dict[str, Any],
    photos: list[str] | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "chat_id": row.chat_id,
        "telegram_id": row.telegram_id,
        "language": row.language,
        "message_key": message_key,
        "params": params,
        "buttons": None,
        "photos": photos,
        "thread_id": None,
        "reply_to_message_id": None,
        "idempotency_key": f"notice:{notice_id}:{row.chat_id}",
        "priority": PRIORITY_BULK,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": row.not_before,
        "created_at": now,
        "ticket_id": None,
        "notice_id": notice_id,
    }


async def count_notice_messages(session: AsyncSession, notice_id: int) -> int:
    """How many outbox rows the notice has."""
    stmt = select(func.count()).where(OutboxMessage.notice_id == notice_id)
    return int(await session.scalar(stmt) or 0)


async def delivery_counts(
    session: AsyncSession, notice_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Rows per notice and status; dead rows of blocked residents count as "blocked"."""
    if not notice_ids:
        return {}
    blocked = OutboxMessage.last_error.startswith(BLOCKED_PREFIX)
    status = case(
        (
            (OutboxMessage.status == OutboxStatus.DEAD.value) & blocked,
            "blocked",
        ),
        else_=OutboxMessage.status,
    )
    stmt = (
        select(OutboxMessage.notice_id, status, func.count())
        .where(OutboxMessage.notice_id.in_(notice_ids))
        .group_by(OutboxMessage.notice_id, status)
    )
    counts: dict[int, dict[str, int]] = {notice_id: {} for notice_id in notice_ids}
    for notice_id, row_status, count in (await session.execute(stmt)).all():
        if notice_id is not None:
            counts[notice_id][str(row_status)] = int(count)
    return counts


async def cancel_pending(session: AsyncSession, notice_id: int) -> int:
    """Cancel the notice's rows that were not claimed yet; returns how many.

    Rows already being sent (or sent) are left alone: a message in flight cannot be recalled.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.notice_id == notice_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.CANCELLED.value)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
