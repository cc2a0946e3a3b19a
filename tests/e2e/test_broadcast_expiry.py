"""Broadcast drafts left idle end to end: the official is told the draft was discarded, and
their next message is a question again, not the next step of composing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.app import build_application
from bot.runner import running
from bot.scheduler import expire_broadcast_drafts
from services import open_services
from services.knowledge.live import LiveKnowledge
from tests.e2e.conftest import FAST_DELIVERY, Linli
from tests.e2e.test_broadcast import (
    OFFICIAL_ID,
    WATER,
    compose,
    expect,
    official,
    text_of,
    write,
)
from tests.e2e.test_filing import ShiftedClock
from tests.fakes.bot_api import BotApiServer

DEPUTY_ID = 300002
QUESTION = "低保怎么申请"
ANSWER = "【最低生活保障"  # the start of the knowledge base's answer


async def asks(town: Any, user: dict[str, Any]) -> str:
    """``user`` asks QUESTION; the text of the bot's first reply."""
    town.api.send_text(user, QUESTION)
    return text_of((await town.api.wait_for_message(user["id"]))[0])


async def test_an_idle_draft_expires_and_the_next_message_is_a_question(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    # The services' clock (the delivery worker's too) runs an hour and a minute behind while
    # the officials start composing, then catches up: both are idle long enough.
    clock = ShiftedClock(timedelta(minutes=-61))
    services = await open_services(
        f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3",
        None,
        "zh-Hans",
        clock=clock,
        knowledge=live_knowledge,
    )
    for telegram_id in (OFFICIAL_ID, DEPUTY_ID):
        await services.residents.grant_role(telegram_id, "official")
    async with BotApiServer() as api:
        boss = api.user(OFFICIAL_ID, "刘主任", language_code="zh-hans")
        deputy = api.user(DEPUTY_ID, "陈副主任", language_code="zh-hans")
        town = SimpleNamespace(api=api)
        application = build_application(
            services, token=api.token, api_url=api.url, overall_rate=0, delivery=FAST_DELIVERY
        )
        async with running(application, poll_timeout=1):
            await write(town, boss, "/broadcast", "第 1 步")
            await write(town, boss, WATER, "第 2 步")  # a draft in the database
            await write(town, deputy, "/broadcast", "第 1 步")  # asked for the text only

            clock.offset = timedelta(0)
            # The scheduler's jobs: the idle draft is discarded (its author told), and the
            # deputy's /broadcast that never got its text is no longer awaited.
            assert await expire_broadcast_drafts(services)(clock()) == (OFFICIAL_ID,)
            assert await services.awaiting.expire(clock()) == 2
            told = await expect(town, boss, "60 分钟没有动静")
            assert "/broadcast" in text_of(told)
            assert (await asks(town, boss)).startswith(ANSWER)
            assert (await asks(town, deputy)).startswith(ANSWER)
            (view,) = await services.notices.list_notices(OFFICIAL_ID)
            assert (view.text, view.status) == (WATER, "cancelled")

            api.send_text(boss, "/broadcast")  # a fresh start, not the discarded draft
            [fresh] = await api.wait_for_message(OFFICIAL_ID)
            assert "第 1 步" in text_of(fresh)
    await services.close()


async def test_a_draft_gone_behind_the_compose_flow_leaves_the_message_to_others(
    linli: Linli,
) -> None:
    boss = await official(linli)
    deputy = linli.api.user(DEPUTY_ID, "陈副主任", language_code="zh-hans")
    await linli.services.residents.grant_role(DEPUTY_ID, "official")
    for user, message, reply in ((boss, "/cancel", "不需要取消"), (deputy, QUESTION, ANSWER)):
        await compose(linli, user)
        # Discarded elsewhere (another process, or expiry there): this process still thinks
        # the official is composing.
        (draft,) = [
            v
            for v in await linli.services.notices.list_notices(user["id"])
            if v.author_telegram_id == user["id"]
        ]
        await linli.services.notices.cancel(user["id"], draft.id)
        linli.api.send_text(user, message)
        [answer] = await linli.api.wait_for_message(user["id"])
        assert reply in text_of(answer)
