"""The outbox table and add_message on SQLite and PostgreSQL: what a queued message holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.repositories.outbox import add_message

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


async def test_add_message_queues_a_pending_message(database: Database) -> None:
    async with database.transaction() as session:
        inserted = await add_message(
            session,
            chat_id=-100500,
            telegram_id=None,
            language="zh-Hans",
            message_key="staff.card",
            params={"number": "2611-0001"},
            idempotency_key="ticket:1:event:1:staff",
            now=T0,
            buttons=[[{"key": "button.accept", "data": "tk:accept:1"}]],
            photos=["AgAD1"],
        )
    assert inserted is True
    async with database.transaction() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert (row.chat_id, row.message_key, row.params) == (
        -100500,
        "staff.card",
        {"number": "2611-0001"},
    )
    assert row.buttons == [[{"key": "button.accept", "data": "tk:accept:1"}]]
    assert row.photos == ["AgAD1"]
    assert (row.status, row.attempts, row.priority) == (OutboxStatus.PENDING, 0, 0)
    assert row.next_attempt_at == row.created_at == T0


async def test_same_idempotency_key_is_queued_once(database: Database) -> None:
    for attempt in range(2):
        async with database.transaction() as session:
            inserted = await add_message(
                session,
                chat_id=7,
                telegram_id=7,
                language="en",
                message_key="ticket.staff_reply",
                params={"attempt": attempt},
                idempotency_key="ticket:1:event:2:tg7",
                now=T0,
                not_before=T0 + timedelta(minutes=5),
            )
        assert inserted is (attempt == 0)
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert [(r.params, r.next_attempt_at) for r in rows] == [
        ({"attempt": 0}, T0 + timedelta(minutes=5))
    ]
