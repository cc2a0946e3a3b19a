"""Notice repositories on SQLite and PostgreSQL: bulk rows, figures, cancel, audiences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from storage import Database, Role
from storage.models import AudienceKind, NoticeStatus, OutboxMessage, OutboxStatus, Resident
from storage.repositories import notice_outbox
from storage.repositories import notices as repo
from storage.repositories.notice_outbox import NoticeRow
from storage.repositories.residents import set_resident_role, upsert_resident
from storage.repositories.subscriptions import add_subscription

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


async def _notice(db: Database) -> int:
    async with db.transaction() as session:
        notice = await repo.add_notice(
            session, text="停水通知", status=NoticeStatus.SCHEDULED.value, send_at=T0, created_at=T0
        )
        return notice.id


def _rows(count: int) -> list[NoticeRow]:
    later = T0 + timedelta(hours=5)
    return [NoticeRow(100 + i, 100 + i, "zh-Hans", later if i % 2 else T0) for i in range(count)]


async def test_bulk_rows_in_chunks_are_written_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notice_outbox, "CHUNK", 3)
    notice_id = await _notice(database)
    for _ in range(2):
        async with database.transaction() as session:
            await notice_outbox.add_notice_messages(
                session,
                notice_id=notice_id,
                rows=iter(_rows(10)),
                message_key="notice.body",
                params={"text": "停水通知"},
                photos=["AgAD"],
                now=T0,
            )
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.chat_id)))
        assert await notice_outbox.count_notice_messages(session, notice_id) == 10
    assert [r.idempotency_key for r in rows[:2]] == [
        f"notice:{notice_id}:100",
        f"notice:{notice_id}:101",
    ]
    assert [r.next_attempt_at for r in rows[:2]] == [T0, T0 + timedelta(hours=5)]
    assert {
        (r.priority, r.status, r.notice_id, r.photos[0] if r.photos else None) for r in rows
    } == {(10, OutboxStatus.PENDING.value, notice_id, "AgAD")}


async def test_figures_and_cancel(database: Database) -> None:
    notice_id = await _notice(database)
    async with database.transaction() as session:
        await notice_outbox.add_notice_messages(
            session,
            notice_id=notice_id,
            rows=_rows(6),
            message_key="notice.body",
            params={"text": "x"},
            photos=None,
            now=T0,
        )
        ids = list(await session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        outcomes = [
            {"status": "sent"},
            {"status": "dead", "last_error": "blocked: Forbidden: bot was blocked by the user"},
            {"status": "dead", "last_error": "BadRequest: chat not found"},
            {"status": "sending"},
        ]
        for row_id, values in zip(ids, outcomes, strict=False):
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
            )
    async with database.transaction() as session:
        assert await notice_outbox.cancel_pending(session, notice_id) == 2
        counts = await notice_outbox.delivery_counts(session, [notice_id, 999])
    assert counts == {
        notice_id: {"sent": 1, "blocked": 1, "dead": 1, "sending": 1, "cancelled": 2},
        999: {},
    }


async def test_audiences_select_active_people(database: Database) -> None:
    async with database.transaction() as session:
        for telegram_id in (1, 2, 3, 4):
            await upsert_resident(
                session, telegram_id=telegram_id, chat_id=telegram_id, display_name="", now=T0
            )
        await set_resident_role(session, 4, Role.STAFF, now=T0)
        people = {r.telegram_id: r for r in await session.scalars(select(Resident))}
        people[1].community, people[1].building = "幸福社区", "3号楼"
        people[2].community, people[2].notices_stopped = "幸福社区", True
        people[3].active = False
        people[4].notices_stopped = True
        for telegram_id in (1, 2, 3):
            await add_subscription(session, people[telegram_id].id, "policy", now=T0)
        await session.flush()
        found = {
            kind: [r.telegram_id for r in await repo.list_recipients(session, kind, value)]
            for kind, value in (
                (AudienceKind.ALL, None),
                (AudienceKind.TOPIC, "policy"),
                (AudienceKind.COMMUNITY, "幸福社区"),
                (AudienceKind.BUILDING, "3号楼"),
                (AudienceKind.STAFF, None),
            )
        }
        assert await repo.count_recipients(session, AudienceKind.TOPIC, "policy") == 1
    assert found == {
        AudienceKind.ALL: [1],
        AudienceKind.TOPIC: [1],
        AudienceKind.COMMUNITY: [1],
        AudienceKind.BUILDING: [1],
        AudienceKind.STAFF: [4],
    }


async def test_claim_for_queueing_happens_once(database: Database) -> None:
    notice_id = await _notice(database)
    async with database.transaction() as session:
        assert await repo.list_due_notice_ids(session, now=T0, limit=5) == [notice_id]
        assert await repo.list_due_notice_ids(session, now=T0 - timedelta(seconds=1), limit=5) == []
        claimed = await repo.claim_for_queueing(
            session, notice_id, from_status=NoticeStatus.SCHEDULED, now=T0
        )
        assert claimed is not None and claimed.status == "queued" and claimed.queued_at == T0
    async with database.transaction() as session:
        again = await repo.claim_for_queueing(
            session, notice_id, from_status=NoticeStatus.SCHEDULED, now=T0
        )
        assert again is None
        assert await repo.list_due_notice_ids(session, now=T0, limit=5) == []
