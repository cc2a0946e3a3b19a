"""Tickets repository on SQLite and PostgreSQL: sequences, drafts and followers as stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Database
from storage.repositories import tickets as repo
from storage.repositories.residents import upsert_resident

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


async def _resident(db: Database, telegram_id: int) -> int:
    async with db.transaction() as session:
        row = await upsert_resident(
            session, telegram_id=telegram_id, chat_id=telegram_id, display_name="", now=T0
        )
        return row.id


async def test_sequences_count_per_period(database: Database) -> None:
    async with database.transaction() as session:
        first = [await repo.next_sequence_value(session, "2611") for _ in range(3)]
        other = await repo.next_sequence_value(session, "2612")
    assert (first, other) == ([1, 2, 3], 1)


async def test_a_draft_is_saved_changed_and_deleted(database: Database) -> None:
    resident_id = await _resident(database, 11)
    async with database.transaction() as session:
        await repo.save_draft(session, resident_id, T0, step="category")
    later = T0 + timedelta(minutes=3)
    async with database.transaction() as session:
        await repo.save_draft(session, resident_id, later, category="noise", photos=["a", "b"])
    async with database.transaction() as session:
        draft = await repo.get_draft(session, resident_id)
        assert draft is not None
        assert (draft.step, draft.category, draft.photos) == ("category", "noise", ["a", "b"])
        assert (draft.created_at, draft.updated_at) == (T0, later)
        assert await repo.delete_draft(session, resident_id) is True
        assert await repo.get_draft(session, resident_id) is None
        assert await repo.delete_draft(session, resident_id) is False


async def test_following_twice_is_one_follower(database: Database) -> None:
    owner, follower = await _resident(database, 21), await _resident(database, 22)
    async with database.transaction() as session:
        ticket = await repo.add_ticket(
            session,
            number="2611-0001",
            category="noise",
            status="new",
            resident_id=owner,
            description="电钻声音太大了，晚上还在施工",
            created_at=T0,
            updated_at=T0,
            response_due_at=T0 + timedelta(hours=4),
            resolution_due_at=T0 + timedelta(days=2),
        )
        assert await repo.add_follower(session, ticket.id, follower, T0) is True
        assert await repo.add_follower(session, ticket.id, follower, T0) is False
        assert [r.telegram_id for r in await repo.list_followers(session, ticket.id)] == [22]
        assert await repo.list_overdue(session, T0) == []
        assert [t.number for t in await repo.list_overdue(session, T0 + timedelta(hours=5))] == [
            "2611-0001"
        ]
