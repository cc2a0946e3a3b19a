"""The fake Bot API's webhooks: setWebhook as Telegram checks it, getUpdates refused while
one is set, and pending updates posted to it with the secret header until the bot takes them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram import error as tg_error

from tests.fakes.bot_api import BotApiServer, make_bot

RESIDENT = 42
SECRET = "s3cret_-X"


@dataclass
class Receiver:
    """A stand-in for the bot's webhook server: records what it is posted, answers `status`."""

    url: str = ""
    status: int = 200
    posts: list[tuple[str | None, str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.posts.append((secret, request.content_type, await request.json()))
        return web.Response(status=self.status)


async def eventually(condition: Callable[[], object]) -> None:
    """Posts to the receiver are no bot calls, so the server's wait_for would not wake."""
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - no event tells of a post or a dequeued update
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def serving_receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield found
    finally:
        await runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serving_receiver() as found:
        yield found


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        running.user(RESIDENT, "小王")
        yield running


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with make_bot(server) as ptb_bot:
        yield ptb_bot


async def test_set_webhook_records_the_secret_and_refuses_what_telegram_refuses(
    server: BotApiServer, bot: Bot
) -> None:
    with pytest.raises(tg_error.BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://bot.example.org/hook")
    with pytest.raises(tg_error.BadRequest, match=r"(?i)secret token contains unallowed"):
        await bot.set_webhook("https://bot.example.org/hook", secret_token="not secret!")
    assert server.webhook["url"] == ""
    assert await bot.set_webhook("https://bot.example.org/hook", secret_token=SECRET)
    assert server.webhook["secret_token"] == SECRET
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.org/hook" and info.pending_update_count == 0


async def test_get_updates_is_refused_while_a_webhook_is_set(
    server: BotApiServer, bot: Bot
) -> None:
    await bot.set_webhook("https://bot.example.org/hook", secret_token=SECRET)
    with pytest.raises(tg_error.Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    server.send_text(RESIDENT, "/start")
    await bot.delete_webhook()
    [update] = await bot.get_updates(timeout=0)
    assert update.message.text == "/start"


async def test_pending_updates_are_posted_with_the_secret_until_taken(
    server: BotApiServer, bot: Bot, receiver: Receiver
) -> None:
    receiver.status = 403
    server.send_text(RESIDENT, "低保怎么申请")
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    await eventually(lambda: receiver.posts)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message == "Wrong response from the webhook: 403"

    receiver.status = 200
    await eventually(lambda: len(receiver.posts) >= 2 and not server.world.pending_updates)
    secret, content_type, update = receiver.posts[-1]
    assert (secret, content_type) == (SECRET, "application/json")
    assert update["message"]["text"] == "低保怎么申请"
    with server.holding_webhook_updates():
        server.send_text(RESIDENT, "还在吗")
        assert await server.post_to_webhook(server.updates[-1], None) == 200
        assert receiver.posts[-1][0] is None
    await eventually(lambda: not server.world.pending_updates)
    assert [p[2]["message"]["text"] for p in receiver.posts[-2:]] == ["还在吗", "还在吗"]


@pytest.fixture
async def second_receiver() -> AsyncIterator[Receiver]:
    async with serving_receiver() as found:
        yield found


@pytest.mark.parametrize("connections", [1, 4])
async def test_a_balancer_posts_round_robin_to_its_targets(
    server: BotApiServer,
    bot: Bot,
    receiver: Receiver,
    second_receiver: Receiver,
    connections: int,
) -> None:
    await bot.set_webhook("https://bot.example.org/hook", secret_token=SECRET)
    server.balance_webhook([receiver.url, second_receiver.url], connections=connections)
    for n in range(6):
        server.send_text(RESIDENT, f"第{n}条")
    await eventually(lambda: len(receiver.posts) + len(second_receiver.posts) == 6)
    await eventually(lambda: not server.world.pending_updates)
    first = sorted(p[2]["update_id"] for p in receiver.posts)
    second = sorted(p[2]["update_id"] for p in second_receiver.posts)
    ids = [u["update_id"] for u in server.updates]
    assert first == ids[0::2] and second == ids[1::2]
    assert {p[0] for p in receiver.posts + second_receiver.posts} == {SECRET}
