"""The send limiter on a manual clock, and the worker under the fake server's flood limits."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.delivery.limits import DeliveryConfig, Rate, RealClock, SendLimiter, SendLimits
from storage.models import PRIORITY_BULK
from tests.delivery.conftest import Outbox
from tests.fakes.bot_api import FloodLimits, Limit


class ManualClock:
    """Time moves only when someone sleeps (one sleeper at a time in these tests)."""

    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)


def _max_in_window(times: list[float], span: float) -> int:
    return max(sum(1 for u in times if t <= u < t + span) for t in times)


async def test_overall_and_per_chat_windows() -> None:
    clock = ManualClock()
    limiter = SendLimiter(SendLimits(overall=Rate(3, 1.0), safety_s=0.0), clock)
    times = []
    for chat in range(1, 10):
        await limiter.acquire(chat)
        times.append(clock.t)
    assert _max_in_window(times, 1.0) <= 3
    assert times[-1] >= 2.0  # nine sends at three a second
    assert times[1] == times[0]  # two may go together (a late wake-up catches up)
    assert times[2] - times[0] == pytest.approx(1 / 3)  # then spread out, not in one burst

    same_chat = []
    for _ in range(3):
        await limiter.acquire(42)
        same_chat.append(clock.t)
    assert [round(b - a, 6) for a, b in itertools.pairwise(same_chat)] == [1.0, 1.0]


async def test_group_limit_and_pause() -> None:
    clock = ManualClock()
    limits = SendLimits(overall=Rate(1000, 1.0), group=Rate(20, 60.0), safety_s=0.0)
    limiter = SendLimiter(limits, clock)
    for _ in range(20):
        await limiter.acquire(-100)
    assert clock.t == 0.0
    assert limiter.chat_wait(-100) == 60.0
    limiter.pause(5)
    await limiter.acquire(7)
    assert clock.t == 5.0  # a RetryAfter holds every chat, not only the one that caused it


async def test_paid_broadcasts_have_their_own_budget() -> None:
    clock = ManualClock()
    limits = SendLimits(overall=Rate(1, 1.0), paid_overall=Rate(1000, 1.0), safety_s=0.0)
    limiter = SendLimiter(limits, clock)
    for chat in range(1, 101):
        await limiter.acquire(chat, paid=True, personal=False)
    assert clock.t < 0.1  # evenly spread at 1000/s, in bursts of 50
    before = clock.t
    await limiter.acquire(500)
    await limiter.acquire(501)
    assert clock.t - before == pytest.approx(1.0)  # the free budget was untouched


def test_config_from_settings_names() -> None:
    class Settings:
        send_rate = 300.0
        send_private_chat_rate = 0.5
        send_group_per_minute = 10
        paid_broadcast = True
        paid_broadcast_rate = None  # unset: the default stays
        send_max_attempts = 7
        send_claim_timeout_s = 30.0
        send_concurrency = 4

    config = DeliveryConfig.from_settings(Settings())
    limits = config.limits()
    assert limits.overall == Rate(300, 1.0)
    assert limits.private_chat == Rate(1, 2.0)
    assert limits.group == Rate(10, 60.0)
    assert limits.paid_overall == Rate(1000, 1.0)
    assert (config.paid_broadcast, config.policy().max_attempts, config.concurrency) == (
        True,
        7,
        4,
    )


async def test_no_flood_violations_at_the_configured_rate(outbox: Outbox) -> None:
    """Scaled-down windows on both sides (real time: the server counts real time)."""
    outbox.api.enforce_flood_limits(
        FloodLimits(overall=Limit(5, 0.25), private_chat=Limit(1, 0.2), group=Limit(2, 0.5))
    )
    limits = SendLimits(overall=Rate(5, 0.25), private_chat=Rate(1, 0.2), group=Rate(2, 0.5))
    outbox.api.group(-7001, "楼栋群")
    for user_id in (201, 202, 203):
        await outbox.resident(user_id)
    for n in range(3):
        for chat in (201, 202, 203, -7001):
            bulk = PRIORITY_BULK if chat == 203 else 0
            await outbox.queue(
                chat, message_key="menu.category", params={"title": str(n)}, priority=bulk
            )
    await outbox.start(limits=limits, clock=RealClock())

    async def all_sent() -> bool:
        return (await outbox.statuses()) == ["sent"] * 12

    await outbox.until(all_sent)
    assert outbox.api.flood_violations == []
    for chat in (201, 202, 203, -7001):  # and each chat got its messages in order
        assert [m["text"] for m in outbox.api.sent_to(chat)] == [
            f"「{n}」的办事指南：" for n in range(3)
        ]


async def test_a_busy_group_is_deferred_instead_of_holding_a_slot(outbox: Outbox) -> None:
    outbox.api.group(-7002, "工作群")
    for n in range(3):
        await outbox.queue(-7002, message_key="menu.category", params={"title": str(n)})
    # A long window: under load the test clock (50x real time) must not outrun the check.
    worker = await outbox.start(limits=SendLimits(group=Rate(1, 60.0)))

    async def all_sent() -> bool:
        return (await outbox.statuses()) == ["sent"] * 3

    await outbox.until(all_sent)
    assert [m["text"] for m in outbox.api.sent_to(-7002)] == [
        f"「{n}」的办事指南：" for n in range(3)
    ]
    assert worker.stats["deferred"] >= 2
    assert all(r.attempts == 1 for r in await outbox.rows())  # waiting is not an attempt


async def test_a_later_row_does_not_take_the_slot_a_deferred_one_waits_for(
    outbox: Outbox,
) -> None:
    # One card a minute to this group (virtual time, 50x). Card 1 is deferred until the
    # minute is over; card 2 comes when the slot is only 20 s away, short of defer_after_s,
    # and must still go after card 1 (it used to take that slot: card 1 waited a minute more).
    outbox.api.group(-7003, "工作群")
    config = DeliveryConfig(claim_timeout_s=3600, defer_after_s=30.0)
    worker = await outbox.start(config, limits=SendLimits(group=Rate(1, 60.0)))
    for n in range(2):
        await outbox.queue(-7003, message_key="menu.category", params={"title": str(n)})
    await outbox.api.wait_for_message(-7003, since=0)  # card 0 is out, card 1 deferred
    await outbox.clock.sleep(40.0)  # 40 s of the minute after card 0
    await outbox.queue(-7003, message_key="menu.category", params={"title": "2"})

    async def all_sent() -> bool:
        return (await outbox.statuses()) == ["sent"] * 3

    await outbox.until(all_sent, timeout=15)
    assert [m["text"] for m in outbox.api.sent_to(-7003)] == [
        f"「{n}」的办事指南：" for n in range(3)
    ]
    assert worker.stats["deferred"] >= 2
