"""End-to-end fixtures: the real PTB Application against the in-process fake Bot API server."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.delivery.limits import DeliveryConfig
from bot.runner import running
from bot.webhook import Webhook
from services import Services, open_services
from services.container import utc_now
from services.knowledge.live import LiveKnowledge
from tests.fakes.bot_api import BotApiServer

ADMIN_ID = 900001
RESIDENT_ID = 200001
STAFF_ID = 700001
STAFF_CHAT_ID = -1009000
# Telegram's limits scaled up so that tests are not paced like real traffic.
FAST_DELIVERY = DeliveryConfig(
    send_rate=1000, private_chat_rate=200, group_per_minute=6000, poll_interval_s=0.05
)
WEBHOOK_SECRET = "test-Secret_0123456789"


def local_webhook(port: int | None = None) -> Webhook:
    """A webhook on a free local port, at a path with characters a pattern would misread."""
    if port is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/tg/linli-hook.v1"
    return Webhook(url, "127.0.0.1", port, WEBHOOK_SECRET)


@dataclass
class Linli:
    """A running linli: the fake Telegram it talks to and the services behind it."""

    api: BotApiServer
    services: Services
    resident: dict[str, Any]
    admin: dict[str, Any]
    staff: dict[str, Any]
    staff_chat: dict[str, Any]

    async def say(self, user: dict[str, Any], text: str, count: int = 1, **kw: Any) -> list[dict]:
        """The user writes ``text``; returns the bot's next ``count`` messages in that chat."""
        message = self.api.send_text(user, text, **kw)
        return await self.api.wait_for_message(message["chat"]["id"], count=count)

    async def press(self, user: dict[str, Any], message: dict, label: str) -> list[dict]:
        """The user taps the button labelled ``label``; returns the bot's next message."""
        before = len(self.api.call_history)
        self.api.press_button(user, message, label=label)

        def bot_acted() -> bool:
            later = self.api.call_history[before:]
            return any(c.method not in ("getUpdates", "answerCallbackQuery") for c in later)

        await self.api.wait_for(bot_acted)
        return self.api.sent_to(message["chat"]["id"])


@asynccontextmanager
async def start_linli(
    tmp_path: Path,
    knowledge: LiveKnowledge,
    *,
    clock: Callable[[], datetime] = utc_now,
    kb_dir: Path | None = None,
    setup: Callable[[Services], Awaitable[object]] | None = None,
    admin_ids: tuple[int, ...] = (),
    staff_chat_id: int | None = None,
    delivery: DeliveryConfig = FAST_DELIVERY,
    webhook: Webhook | None = None,
    database_url: str | None = None,
    reply_rate: float = 0,
) -> AsyncIterator[tuple[BotApiServer, Services]]:
    """linli on a fresh SQLite database in ``tmp_path`` (or on ``database_url``, migrated),
    running against a fake Telegram.

    ``setup`` prepares the database (people, roles) before the application starts; the
    application runs its own delivery worker, without scheduled jobs. It long-polls, or with
    ``webhook`` (such as ``local_webhook()``) serves it, and the fake Telegram posts there.
    ``reply_rate`` > 0 installs the replies' rate limiter as production does (LINLI_REPLY_RATE).
    """
    services = await open_services(
        database_url or f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3",
        kb_dir,
        "zh-Hans",
        clock=clock,
        knowledge=knowledge,
        staff_chat_id=staff_chat_id,
    )
    try:
        if setup is not None:
            await setup(services)
        async with BotApiServer() as api:
            application = build_application(
                services,
                token=api.token,
                api_url=api.url,
                admin_ids=admin_ids,
                staff_chat_id=staff_chat_id,
                overall_rate=reply_rate,
                delivery=delivery,
            )
            async with running(application, poll_timeout=1, webhook=webhook):
                yield api, services
    finally:
        await services.close()


async def _staff_member(services: Services) -> None:
    await services.residents.grant_role(STAFF_ID, "staff")


@pytest.fixture
async def linli(
    request: pytest.FixtureRequest, tmp_path: Path, live_knowledge: LiveKnowledge
) -> AsyncIterator[Linli]:
    """linli polling; ``@pytest.mark.parametrize("linli", ["webhook"], indirect=True)``
    runs a test with linli receiving updates by webhook instead."""
    async with start_linli(
        tmp_path,
        live_knowledge,
        setup=_staff_member,
        admin_ids=(ADMIN_ID,),
        staff_chat_id=STAFF_CHAT_ID,
        webhook=local_webhook() if getattr(request, "param", "polling") == "webhook" else None,
    ) as (api, services):
        resident = api.user(RESIDENT_ID, "小王", language_code="zh-hans")
        admin = api.user(ADMIN_ID, "管理员", language_code="zh-hans")
        staff = api.user(STAFF_ID, "李社工", language_code="zh-hans")
        staff_chat = api.group(STAFF_CHAT_ID, "社区工作群")
        yield Linli(api, services, resident, admin, staff, staff_chat)
