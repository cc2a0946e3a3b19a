"""The outbox: messages written with the change that caused them, drained by a worker.

Functions take the caller's session and never commit. ``add_message`` is called by services
inside the transaction of the state change, so the message exists exactly when the change
does; its idempotency key makes writing the same intent twice harmless.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from storage.models import PRIORITY_PERSONAL, OutboxMessage, OutboxStatus


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
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(OutboxMessage).values(values)
        stmt: ReturningInsert[tuple[int]] = pg_stmt.on_conflict_do_nothing(
            index_elements=[OutboxMessage.idempotency_key]
        ).returning(OutboxMessage.id)
    elif dialect == "sqlite":
        lite_stmt = sqlite.insert(OutboxMessage).values(values)
        stmt = lite_stmt.on_conflict_do_nothing(
            index_elements=[OutboxMessage.idempotency_key]
        ).returning(OutboxMessage.id)
    else:
        raise NotImplementedError(f"no outbox insert for {dialect}")
    result = await session.execute(stmt)
    return result.first() is not None
