"""The staff chat's "reject: reason?" prompt end to end: it survives a restart of linli, it
expires, and inside a ticket's forum topic the next message is still the reason.
(test_staff_desk.py has the prompt answered directly, by a reply, and /cancel.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.app import build_application
from bot.runner import running
from services import Services, open_services
from services.knowledge.live import LiveKnowledge
from services.tickets import REJECT_PROMPT_TTL
from storage.models import Awaiting
from tests.e2e.conftest import FAST_DELIVERY
from tests.e2e.staff_support import (
    RESIDENT_ID,
    STAFF_CHAT,
    T0,
    Desk,
    add_people,
    desk,
    find,
)
from tests.fakes.bot_api import BotApiServer
from tests.services.conftest import Clock

__all__ = ["desk"]  # the fixture

PROMPT = "❌ 请写不予受理的原因"
REASON = "属于物业合同纠纷，请向法院起诉"


@asynccontextmanager
async def _one_run(
    api: BotApiServer, url: str, knowledge: LiveKnowledge, clock: Clock
) -> AsyncIterator[Services]:
    """One linli process: its own services and Application on the given database and fake
    Telegram. Only the database outlives it."""
    services = await open_services(
        url, None, "zh-Hans", clock=clock, knowledge=knowledge, staff_chat_id=STAFF_CHAT
    )
    try:
        application = build_application(
            services,
            token=api.token,
            api_url=api.url,
            staff_chat_id=STAFF_CHAT,
            overall_rate=0,
            delivery=FAST_DELIVERY,
        )
        async with running(application, poll_timeout=1):
            yield services
    finally:
        await services.close()


async def _asked(desk: Desk) -> dict[str, Any]:
    """The prompt in the staff chat, once it is also recorded (just after it was posted)."""
    prompt = await desk.api.wait_for(lambda: find(desk, PROMPT))
    for _ in range(250):
        async with desk.services.db.transaction() as session:
            if await session.scalar(select(func.count()).where(Awaiting.kind == "reject_reason")):
                return prompt
        await asyncio.sleep(0.02)
    raise AssertionError("the prompt was posted but not recorded")


def _told_rejected(api: BotApiServer) -> dict[str, Any] | None:
    last = api.last_message(RESIDENT_ID)
    return last if last is not None and "没有被受理" in last["text"] else None


async def test_a_reject_prompt_survives_a_restart(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    url, clock = f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3", Clock(T0)
    async with BotApiServer() as api:
        async with _one_run(api, url, live_knowledge, clock) as services:
            await add_people(services)
            resident, staff = api.user(RESIDENT_ID, "小王"), api.user(700001, "张社工")
            chat = api.group(STAFF_CHAT, "社区工作人员")
            desk = Desk(api, services, clock, resident, staff, chat)
            number = await desk.file()
            await desk.press(await desk.card(number), "❌ 不予受理")
            await _asked(desk)

        clock.advance(minutes=2)  # linli was down for a moment
        async with _one_run(api, url, live_knowledge, clock) as desk.services:
            [done] = await desk.say(REASON)
            assert done["text"].split("\n")[0] == f"#{number} 已不予受理，已告知居民原因。"
            told = await api.wait_for(lambda: _told_rejected(api))
            assert await desk.status(number) == "rejected"
        assert told["text"].startswith(f"你的工单 {number} 没有被受理")
        assert REASON in told["text"]


async def test_an_expired_prompt_takes_nothing_and_tells_no_resident(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    prompt = await _asked(desk)
    desk.clock.advance(seconds=REJECT_PROMPT_TTL.total_seconds() + 60)
    desk.api.send_text(desk.staff, REASON, chat=desk.chat)  # staff talk now: no answer
    # A reply to the old prompt is about no ticket (its first line names none): it is not
    # sent to the resident as a reply.
    [answer] = await desk.say("这个不归我们管", reply_to=prompt)
    assert answer["text"].startswith("不知道是哪个工单")
    [cancelled] = await desk.say("/cancel")
    assert cancelled["text"] == "没有正在进行的操作。"
    assert await desk.status(number) == "new" and await desk.outbox(RESIDENT_ID) == []


async def test_in_a_ticket_topic_the_next_message_is_the_reason(desk: Desk) -> None:
    desk.api.group(STAFF_CHAT, "社区工作人员", is_forum=True)
    number = await desk.file()
    card = await desk.card(number)
    topic = card["message_thread_id"]
    await desk.press(card, "❌ 不予受理")
    prompt = await desk.api.wait_for(lambda: find(desk, PROMPT))
    assert prompt["message_thread_id"] == topic
    # In a topic every message "replies" to the topic's first message: still the reason.
    [done] = await desk.say("不属于社区职责范围", message_thread_id=topic, reply_to=topic)
    assert done["text"].split("\n")[0] == f"#{number} 已不予受理，已告知居民原因。"
    assert (await desk.outbox(RESIDENT_ID))[-1] == (
        "ticket.rejected",
        {"number": number, "reason": "不属于社区职责范围"},
    )
