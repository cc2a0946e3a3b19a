"""DeliveryService on SQLite and PostgreSQL: claims, backoff, dead letters, permissions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from services.delivery import RetryPolicy
from services.errors import PermissionDenied
from storage import Role
from storage.models import PRIORITY_BULK
from storage.repositories import residents as residents_repo
from tests.delivery.conftest import Outbox


@pytest.fixture(autouse=True)
async def _frozen_time(outbox: Outbox) -> None:
    outbox.clock.freeze()


async def test_concurrent_claims_never_share_a_row(outbox: Outbox) -> None:
    """Several workers claiming at once (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    for n in range(40):
        await outbox.queue(1000 + n)
    batches = await asyncio.gather(*(outbox.service.claim(7, bulk=False) for _ in range(8)))
    ids = [m.id for batch in batches for m in batch]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert await outbox.service.counts() == {"sending": 40}


async def test_claims_are_per_lane_and_oldest_first(outbox: Outbox) -> None:
    await outbox.queue(1, priority=PRIORITY_BULK)
    await outbox.queue(2)
    await outbox.queue(3, not_before=outbox.clock.now() + timedelta(hours=1))  # not due yet
    await outbox.queue(4)
    personal = await outbox.service.claim(10, bulk=False)
    bulk = await outbox.service.claim(10, bulk=True)
    assert [m.chat_id for m in personal] == [2, 4]
    assert [m.chat_id for m in bulk] == [1]
    assert bulk[0].bulk and not personal[0].bulk


def test_backoff_doubles_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay_s=2, max_delay_s=60, jitter=0.25)
    assert [policy.delay_s(n, 0.5) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert policy.delay_s(9, 0.5) == 60
    assert policy.delay_s(1, 0.0) == 1.5 and policy.delay_s(1, 0.999999) == pytest.approx(2.5)


async def test_failures_back_off_then_die(outbox: Outbox) -> None:
    outbox.service.policy = RetryPolicy(
        max_attempts=3, base_delay_s=10, jitter=0, personal_deadline_s=0
    )
    await outbox.queue(201)
    [message] = await outbox.service.claim(1, bulk=False)
    due = await outbox.service.record_failure(message, "TimedOut: timed out")
    assert due is not None
    assert (due - outbox.clock.now()).total_seconds() == 10
    assert await outbox.service.claim(1, bulk=False) == []  # not due yet
    outbox.clock.advance(10)
    [message] = await outbox.service.claim(1, bulk=False)
    assert message.attempts == 1
    assert await outbox.service.record_failure(message, "NetworkError: 502") is not None
    outbox.clock.advance(20)
    [message] = await outbox.service.claim(1, bulk=False)
    assert await outbox.service.record_failure(message, "NetworkError: 502") is None
    [dead] = await outbox.service.list_dead_letters(10)
    assert (dead.attempts, dead.last_error, dead.chat_id) == (3, "NetworkError: 502", 201)


async def test_an_expired_claim_cannot_record_over_the_new_one(outbox: Outbox) -> None:
    await outbox.queue(201)
    [old] = await outbox.service.claim(1, bulk=False)
    outbox.clock.advance(200)
    assert await outbox.service.requeue_stale(120) == (1, 0)
    [new] = await outbox.service.claim(1, bulk=False)
    assert not await outbox.service.record_sent(old, 11)
    assert await outbox.service.record_sent(new, 12)
    [row] = await outbox.rows()
    # two attempts: the stale claim counted as one when it was requeued
    assert (row.status, row.sent_message_id, row.attempts) == ("sent", 12, 2)
    assert row.sent_at == outbox.clock.now()


async def test_dead_letters_are_for_admins_only(outbox: Outbox) -> None:
    outbox.service.policy = RetryPolicy(max_attempts=1, personal_deadline_s=0)
    await outbox.resident(201)
    async with outbox.db.transaction() as session:
        await residents_repo.set_resident_role(session, 900, Role.ADMIN, now=outbox.clock.now())
        await residents_repo.set_resident_role(session, 901, Role.STAFF, now=outbox.clock.now())
    await outbox.queue(201, idempotency_key="notice:7:201")
    [message] = await outbox.service.claim(1, bulk=False)
    await outbox.service.record_failure(message, "TimedOut: timed out")

    [dead] = await outbox.service.list_dead_letters_for(900)
    assert dead.idempotency_key == "notice:7:201"
    for not_admin in (901, 201, 12345):
        with pytest.raises(PermissionDenied):
            await outbox.service.list_dead_letters_for(not_admin)


async def test_an_outage_is_ridden_out_until_the_deadline_and_admins_hear_once(
    outbox: Outbox,
) -> None:
    # A day of 502s: attempts run out long before the deadline, so the card keeps trying.
    outbox.service.policy = RetryPolicy(max_attempts=2, base_delay_s=60, jitter=0)
    async with outbox.db.transaction() as session:
        await residents_repo.set_resident_role(session, 900, Role.ADMIN, now=outbox.clock.now())
    await outbox.queue(201)
    for _ in range(4):
        [message] = await outbox.service.claim(1, bulk=False)
        assert await outbox.service.record_failure(message, "NetworkError: 502") is not None
        outbox.clock.advance(3600)
    outbox.clock.advance(20 * 3600)  # past the day: given up, and the admin told
    [message] = await outbox.service.claim(1, bulk=False)
    assert await outbox.service.record_failure(message, "NetworkError: 502") is None
    await outbox.queue(201, idempotency_key="second")
    [second] = await outbox.service.claim(1, bulk=False)
    await outbox.service.record_permanent_failure(second, "bad request: chat not found")
    alerts = [r for r in await outbox.rows() if r.message_key == "outbox.dead_alert"]
    assert [r.telegram_id for r in alerts] == [900]  # once for the hour, not per letter

    assert await outbox.service.retry_dead() == 2  # linli outbox retry --all
    assert {r.status for r in await outbox.rows() if r.message_key != "outbox.dead_alert"} == {
        "pending"
    }
