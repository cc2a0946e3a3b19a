"""Crash safety (claims of a dead worker), graceful stop, nudges, and personal before bulk."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.delivery.limits import DeliveryConfig, Rate, RealClock, SendLimits
from storage.models import PRIORITY_BULK
from tests.delivery.conftest import Outbox


async def _count(outbox: Outbox, status: str) -> int:
    return (await outbox.statuses()).count(status)


async def test_claims_of_a_dead_worker_are_requeued_and_sent_exactly_once(outbox: Outbox) -> None:
    for user_id in range(201, 207):
        await outbox.resident(user_id)
        await outbox.queue(user_id)
    # A worker claimed four rows and was killed before sending them.
    abandoned = await outbox.service.claim(4, bulk=False)
    assert len(abandoned) == 4

    await outbox.start(DeliveryConfig(claim_timeout_s=60))

    async def two_sent() -> bool:
        return await _count(outbox, "sent") == 2

    await outbox.until(two_sent)
    await asyncio.sleep(0.2)  # 10 virtual seconds: still inside the claim timeout
    assert await _count(outbox, "sending") == 4

    outbox.clock.advance(61)

    async def all_sent() -> bool:
        return await _count(outbox, "sent") == 6

    await outbox.until(all_sent)
    per_chat = Counter(call.chat_id for call in outbox.api.calls("sendMessage") if call.ok)
    assert per_chat == Counter({user_id: 1 for user_id in range(201, 207)})
    rows = {r.id: r for r in await outbox.rows()}
    # The lost claim counts as an attempt, so a row that kills workers ends dead eventually.
    assert sorted(rows[m.id].attempts for m in abandoned) == [2, 2, 2, 2]


async def test_a_row_that_keeps_killing_workers_ends_dead(outbox: Outbox) -> None:
    await outbox.resident(201)
    await outbox.queue(201)
    outbox.service.policy = DeliveryConfig(max_attempts=2).policy()
    for _ in range(2):
        assert len(await outbox.service.claim(1, bulk=False)) == 1
        outbox.clock.advance(61)
        assert await outbox.service.requeue_stale(60) in ((1, 0), (0, 1))
    [row] = await outbox.rows()
    assert (row.status, row.attempts) == ("dead", 2)
    assert row.last_error.startswith("claim expired")


async def test_stop_hands_unsent_claims_back(outbox: Outbox) -> None:
    outbox.api.group(-7003, "工作群")
    for n in range(3):
        await outbox.queue(-7003, message_key="menu.category", params={"title": str(n)})
    # One message a minute to this group: the second and third wait in the worker.
    limits = SendLimits(group=Rate(1, 60.0))
    await outbox.start(DeliveryConfig(defer_after_s=1000), limits=limits, clock=RealClock())

    async def first_sent() -> bool:
        return await _count(outbox, "sent") == 1

    await outbox.until(first_sent)
    await outbox.stop()
    assert await outbox.statuses() == ["sent", "pending", "pending"]
    assert len(outbox.api.sent_to(-7003)) == 1


async def test_a_nudge_sends_a_new_row_at_once(outbox: Outbox) -> None:
    await outbox.resident(201)
    # Without the nudge the worker would look again only after 30 s.
    await outbox.start(DeliveryConfig(poll_interval_s=30), clock=RealClock())
    await asyncio.sleep(0.1)  # the worker is idle now
    started = asyncio.get_running_loop().time()
    await outbox.queue(201)  # notifies the service's nudge after committing
    await outbox.api.wait_for_message(201, since=0.0, timeout=2.0)
    assert asyncio.get_running_loop().time() - started < 0.5


async def test_personal_rows_overtake_a_running_broadcast(outbox: Outbox) -> None:
    for user_id in range(301, 321):
        await outbox.resident(user_id)
        await outbox.queue(user_id, priority=PRIORITY_BULK)
    await outbox.resident(201)
    # One send per 5 virtual seconds (100 ms real): queueing and claiming fit in one slot.
    await outbox.start(limits=SendLimits(overall=Rate(1, 5.0)))

    async def broadcast_running() -> bool:
        return await _count(outbox, "sent") >= 2

    await outbox.until(broadcast_running)
    await outbox.queue(201)
    bulk_sent_when_queued = len([c for c in outbox.api.calls("sendMessage") if c.ok])
    await outbox.api.wait_for_message(201, since=0.0, timeout=3.0)
    sends = [c.chat_id for c in outbox.api.calls("sendMessage") if c.ok]
    # At most the one broadcast send already granted went before the reply.
    assert sends.index(201) <= bulk_sent_when_queued + 1
    assert await _count(outbox, "pending") + await _count(outbox, "sending") > 10


async def test_personal_rows_queued_with_a_broadcast_go_first(outbox: Outbox) -> None:
    for user_id in range(301, 311):
        await outbox.resident(user_id)
        await outbox.queue(user_id, priority=PRIORITY_BULK)
    for user_id in (201, 202):
        await outbox.resident(user_id)
        await outbox.queue(user_id)
    await outbox.start(limits=SendLimits(overall=Rate(1, 1.0)))
    await outbox.api.wait_for_call("sendMessage", count=3, timeout=3.0)
    first = [c.chat_id for c in outbox.api.calls("sendMessage")[:3]]
    assert {201, 202} <= set(first)
