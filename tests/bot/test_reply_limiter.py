"""The replies' rate limiter (bot/reply_limiter.py) on a PTB ExtBot against the emulator.

A 429 for one chat is the e2e test's subject (tests/e2e/test_flood_fairness.py); here are the
edges: a 429 naming no chat, retries running out, and the per-group limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import error as tg_error
from telegram.ext import ExtBot

from bot.reply_limiter import ChatRateLimiter
from bot.transport import make_request
from tests.fakes.bot_api import BotApiServer

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
RESIDENT, NEIGHBOUR, GROUP = 42, 43, -1001234


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        for user_id, name in ((RESIDENT, "小王"), (NEIGHBOUR, "小李")):
            running.user(user_id, name)
        running.group(GROUP, "街道工作群")
        yield running


def limited_bot(server: BotApiServer, limiter: ChatRateLimiter) -> ExtBot[int]:
    return ExtBot(
        server.token,
        base_url=f"{server.url}/bot",
        base_file_url=f"{server.url}/file/bot",
        request=make_request("aiohttp", 4),
        rate_limiter=limiter,
    )


def delivered_at(server: BotApiServer, chat_id: int) -> list[float]:
    return [call.time for call in server.calls("sendMessage", chat_id) if call.ok]


async def test_a_429_naming_no_chat_holds_every_chat(server: BotApiServer) -> None:
    server.fail_next("setMyCommands", 429, retry_after=1)
    limiter = ChatRateLimiter(max_retries=1)
    async with limited_bot(server, limiter) as bot:
        commands = asyncio.create_task(bot.set_my_commands([("help", "帮助")]))
        [refused] = await server.wait_for_call("setMyCommands")
        async with asyncio.timeout(5):  # the bot has read the 429 (the server logs it first)
            while not limiter.paused_for(RESIDENT):  # noqa: ASYNC110 - no event to await
                await asyncio.sleep(0.001)
        await bot.send_message(RESIDENT, "您好")
        assert await commands
    [sent] = delivered_at(server, RESIDENT)
    assert sent - refused.time >= 1
    assert server.sent_to(RESIDENT)[-1]["text"] == "您好"


async def test_retries_run_out_and_the_chat_stays_paused(server: BotApiServer) -> None:
    server.fail_next("sendMessage", 429, retry_after=1, count=2, chat_id=RESIDENT)
    limiter = ChatRateLimiter(max_retries=1)
    async with limited_bot(server, limiter) as bot:
        with pytest.raises(tg_error.RetryAfter):
            await bot.send_message(RESIDENT, "第一条")
        assert server.sent_to(RESIDENT) == []
        assert limiter.paused_for(RESIDENT) > 0.5  # a caller riding it out waits its turn
        assert limiter.paused_for(NEIGHBOUR) == 0
        await bot.send_message(NEIGHBOUR, "别的居民照常收到")
        await bot.send_message(RESIDENT, "第二条")  # sent once the pause is over
    assert [m["text"] for m in server.sent_to(RESIDENT)] == ["第二条"]
    assert [m["text"] for m in server.sent_to(NEIGHBOUR)] == ["别的居民照常收到"]
    assert delivered_at(server, NEIGHBOUR)[0] < delivered_at(server, RESIDENT)[0]


async def test_a_busy_group_waits_for_its_limit_and_holds_no_one_else(
    server: BotApiServer,
) -> None:
    limiter = ChatRateLimiter(group_max_rate=1, group_time_period=1)
    async with limited_bot(server, limiter) as bot:
        await bot.send_message(GROUP, "工单 1")
        second = asyncio.create_task(bot.send_message(GROUP, "工单 2"))
        await asyncio.sleep(0)
        await bot.send_message(RESIDENT, "您好")
        await second
    first_card, second_card = delivered_at(server, GROUP)
    assert second_card - first_card >= 0.9  # one a second, as the group's limit says
    assert delivered_at(server, RESIDENT)[0] < second_card
    assert [m["text"] for m in server.sent_to(GROUP)] == ["工单 1", "工单 2"]
