"""Delivery fixtures: the real worker and PTB Bot against the fake Bot API server.

Time runs on a ``ScaledClock``: virtual seconds pass ``SPEED`` times faster than real ones,
for the worker's limiter, its sleeps and the service's timestamps alike, so backoff and
flood waits are exercised in milliseconds. Tests where the fake server enforces flood
limits (which counts real time) use the real clock instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery.limits import DeliveryConfig, SendLimits
from bot.delivery.worker import DeliveryWorker, start_delivery, stop_delivery
from services.delivery import DeliveryService
from services.residents.service import ResidentService
from storage import Database
from storage.models import OutboxMessage
from storage.repositories import outbox as outbox_repo
from storage.repositories import residents as residents_repo
from tests.fakes.bot_api import BotApiServer, application_builder

SPEED = 50.0


class ScaledClock:
    """Virtual time running SPEED× real time; ``advance`` jumps ahead (e.g. past a timeout)."""

    def __init__(self, speed: float = SPEED) -> None:
        self.speed = speed
        self._offset = 0.0
        self._real_start = asyncio.get_running_loop().time()
        self.epoch = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        elapsed = asyncio.get_running_loop().time() - self._real_start
        return elapsed * self.speed + self._offset

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed if self.speed else 0)

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.monotonic())

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def freeze(self) -> None:
        """Stop time (service tests that compare due times); ``advance`` still works."""
        self._offset = self.monotonic()
        self.speed = 0.0


@dataclass
class Outbox:
    """Database, fake Telegram, clock, and helpers to queue rows and run workers."""

    db: Database
    api: BotApiServer
    clock: ScaledClock
    service: DeliveryService
    residents: ResidentService  # the one ``service`` holds
    workers: list[Any] = field(default_factory=list)
    _keys: int = 0

    async def resident(self, telegram_id: int, language: str = "zh-Hans") -> dict[str, Any]:
        """A Telegram user who started the bot and is registered in linli."""
        user = self.api.user(telegram_id, f"居民{telegram_id}")
        async with self.db.transaction() as session:
            row = await residents_repo.upsert_resident(
                session,
                telegram_id=telegram_id,
                chat_id=telegram_id,
                display_name=user["first_name"],
                now=self.clock.now(),
            )
            row.language = language
        return user

    async def queue(self, chat_id: int, **kw: Any) -> bool:
        """add_message with sensible defaults; the key defaults to a fresh one."""
        self._keys += 1
        values: dict[str, Any] = {
            "telegram_id": chat_id if chat_id > 0 else None,
            "language": "zh-Hans",
            "message_key": "feedback.thanks",
            "params": {},
            "idempotency_key": f"test:{self._keys}",
            "now": self.clock.now(),
        }
        values.update(kw)
        async with self.db.transaction() as session:
            added = await outbox_repo.add_message(session, chat_id=chat_id, **values)
        self.service.nudge.notify()
        return added

    async def start(
        self, config: DeliveryConfig | None = None, limits: SendLimits | None = None, **kw: Any
    ) -> DeliveryWorker:
        """start_delivery on a fresh Application pointed at the fake server."""
        application = application_builder(self.api).build()
        services = SimpleNamespace(db=self.db, residents=None, delivery=self.service)
        kw.setdefault("clock", self.clock)
        # Virtual time runs 50x: a 120 s claim timeout would be 2.4 s of a loaded test run.
        config = config or DeliveryConfig(claim_timeout_s=3600)
        worker = await start_delivery(application, services, config, limits=limits, **kw)
        self.workers.append(worker)
        return worker

    async def stop(self) -> None:
        for worker in self.workers:
            await stop_delivery(worker)
        self.workers.clear()

    async def rows(self) -> list[Any]:
        async with self.db.transaction() as session:
            rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            return list(rows)

    async def until(self, check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Poll an async condition (database state) until true."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("condition not met")
            await asyncio.sleep(0.01)

    async def statuses(self) -> list[str]:
        return [row.status for row in await self.rows()]


def fixed_rand() -> float:
    return 0.5  # no jitter: backoff delays are exactly base * 2**n


@pytest.fixture
async def outbox(database: Database) -> AsyncIterator[Outbox]:
    clock = ScaledClock()
    residents = ResidentService(database, clock.now, "zh-Hans")
    service = DeliveryService(database, residents, clock=clock.now, rand=fixed_rand)
    async with BotApiServer() as api:
        box = Outbox(database, api, clock, service, residents)
        try:
            yield box
        finally:
            await box.stop()
