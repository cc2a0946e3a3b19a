"""Residents with one queued message each, for the benchmarks that measure delivery."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import Database
from storage.repositories import outbox as outbox_repo
from storage.repositories import residents as residents_repo


async def seed_recipients(db: Database, first_id: int, count: int, key: str) -> None:
    """Residents ``first_id`` .. ``first_id + count - 1``, each with one notice-like message
    queued (idempotency key ``<key>:<telegram id>``), in one transaction."""
    now = datetime.now(UTC)
    async with db.transaction() as session:
        for user_id in range(first_id, first_id + count):
            await residents_repo.upsert_resident(
                session, telegram_id=user_id, chat_id=user_id, display_name="", now=now
            )
            await outbox_repo.add_message(
                session,
                chat_id=user_id,
                telegram_id=user_id,
                language="zh-Hans",
                message_key="menu.category",
                params={"title": "停水通知"},
                idempotency_key=f"{key}:{user_id}",
                now=now,
                priority=10,
            )
