"""One chat's messages are answered in order and one chat cannot starve the others: through
the real Application, and with two linli processes on one PostgreSQL database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.runner import running
from services import Services, open_services
from services.knowledge.live import LiveKnowledge
from storage import Database
from storage.models import Ticket
from tests.e2e.conftest import FAST_DELIVERY, Linli, local_webhook
from tests.e2e.test_filing import NOISE
from tests.fakes.bot_api import BotApiServer

QUESTIONS = [
    "低保怎么申请",
    "廉租房申请条件",
    "楼上装修太吵了怎么办",
    "居住证怎么办理",
    "社保断缴了怎么补",
    "老人日间照料中心怎么收费",
]
FLOOD, OTHER = 300001, 300002


async def test_a_flooding_chat_holds_one_slot_and_another_chat_is_answered_meanwhile(
    linli: Linli,
) -> None:
    api = linli.api
    flooder, other = api.user(FLOOD, "刷屏的人"), api.user(OTHER, "邻居")
    # 40 questions at once from one chat, then one from another: they all reach linli
    # together. The other chat must not wait behind the flood's backlog for a slot.
    for n in range(40):
        api.send_text(flooder, QUESTIONS[n % len(QUESTIONS)])
    api.send_text(other, "低保怎么申请")
    await api.wait_for_message(OTHER, timeout=30)
    flood_replies = await api.wait_for_message(FLOOD, count=40, timeout=60)
    assert len(flood_replies) == 40
    [answer] = api.calls("sendMessage", OTHER)
    flood_sends = api.calls("sendMessage", FLOOD)
    assert answer.time < flood_sends[19].time  # before the flood's 20th reply, not after all


@contextlib.asynccontextmanager
async def two_processes(
    url: str, knowledge: LiveKnowledge
) -> AsyncIterator[tuple[BotApiServer, list[Services]]]:
    """Two linli Applications, each with its own connections to the database at ``url``,
    behind a load balancer that posts Telegram's updates to them in turn."""
    async with contextlib.AsyncExitStack() as stack, BotApiServer() as api:
        hooks, services = [local_webhook(), local_webhook()], []
        for hook in hooks:
            process = await open_services(url, None, "zh-Hans", knowledge=knowledge)
            stack.push_async_callback(process.close)
            services.append(process)
            app = build_application(
                process, token=api.token, api_url=api.url, overall_rate=0, delivery=FAST_DELIVERY
            )
            await stack.enter_async_context(running(app, webhook=hook))
        api.balance_webhook([hook.url for hook in hooks], connections=2)
        yield api, services


@pytest.mark.postgres
async def test_one_chat_alternating_between_two_processes_is_answered_in_order(
    postgres_database: Database, live_knowledge: LiveKnowledge
) -> None:
    url = postgres_database.engine.url.render_as_string(hide_password=False)
    async with two_processes(url, live_knowledge) as (api, services):
        resident = api.user(FLOOD, "小王", language_code="zh-hans")
        expected = {}
        for question in QUESTIONS:  # each answer alone first, to know what it looks like
            sent = len(api.calls("sendMessage", FLOOD))
            api.send_text(resident, question)
            await api.wait_for(lambda n=sent: len(api.calls("sendMessage", FLOOD)) > n)
            expected[question] = api.calls("sendMessage", FLOOD)[-1].params["text"]
        assert len(set(expected.values())) == len(QUESTIONS)
        asked = [QUESTIONS[(n * 5) % len(QUESTIONS)] for n in range(24)]
        before = len(api.calls("sendMessage", FLOOD))
        for question in asked:  # at once: the balancer posts them to both, two at a time
            api.send_text(resident, question)
        await api.wait_for(lambda: len(api.calls("sendMessage", FLOOD)) >= before + 24, 30)
        replies = [c.params["text"] for c in api.calls("sendMessage", FLOOD)[before:]]
        assert replies == [expected[q] for q in asked]
        handled_by = [s.chat_turns.handled for s in services]
        assert all(handled_by) and sum(handled_by) == len(QUESTIONS) + 24


@pytest.mark.postgres
async def test_a_complaint_typed_step_by_step_to_two_processes_is_filed_whole(
    postgres_database: Database, live_knowledge: LiveKnowledge
) -> None:
    """Each typed step is routed by what the resident owes, which the turn's own call reads
    on PostgreSQL (revision 0022): with the balancer alternating, each step's process reads
    what the other process's step left, and the complaint is filed with every answer."""
    url = postgres_database.engine.url.render_as_string(hide_password=False)
    async with two_processes(url, live_knowledge) as (api, services):
        resident = api.user(FLOOD, "小王", language_code="zh-hans")

        async def answer(act: Callable[[], object]) -> dict[str, Any]:
            before = len(api.sent_to(FLOOD))
            act()
            await api.wait_for(lambda: len(api.sent_to(FLOOD)) > before)
            return api.sent_to(FLOOD)[-1]

        def press(message: dict[str, Any], label: str) -> Callable[[], object]:
            return lambda: api.press_button(resident, message, label=label)

        question = await answer(lambda: api.send_text(resident, "/complain"))
        question = await answer(press(question, "噪音扰民"))
        assert "至少 10 个字" in question["text"]
        question = await answer(lambda: api.send_text(resident, NOISE))
        assert "问题在哪里" in question["text"]
        question = await answer(lambda: api.send_text(resident, "幸福小区3号楼2单元"))
        question = await answer(press(question, "没有照片，继续 »"))
        question = await answer(lambda: api.send_text(resident, "138 1234 5678"))
        summary = await answer(press(question, "🙋 不匿名，可以显示名字"))
        assert NOISE in summary["text"] and "幸福小区3号楼2单元" in summary["text"]
        filed = await answer(press(summary, "✅ 提交"))
        assert "工单号是" in filed["text"]
        async with postgres_database.transaction() as session:
            [ticket] = (await session.scalars(select(Ticket))).all()
        assert (ticket.description, ticket.location_text) == (NOISE, "幸福小区3号楼2单元")
        assert ticket.phone == "13812345678"
        assert all(s.chat_turns.handled for s in services)  # both processes took steps
