"""转人工 then 🙋, end to end: a message that only asks for a person is no question for
staff, so linli asks the resident what they need and files the enquiry with their answer;
/cancel on the way files nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Ticket
from tests.e2e.staff_support import RESIDENT_ID, Desk, desk, text_of
from tests.e2e.test_filing import bot_answers
from tests.fakes.bot_api import button_labels

__all__ = ["desk"]  # the fixture

ASK_PERSON = "🙋 请工作人员回答"
QUESTION = "我家老人行动不便，想申请上门助浴服务，需要准备什么材料？"


async def _say(desk: Desk, text: str) -> dict[str, Any]:
    return (await bot_answers(desk.api, lambda: desk.api.send_text(desk.resident, text)))[-1]


async def _press(desk: Desk, message: dict[str, Any], label: str) -> dict[str, Any]:
    act = lambda: desk.api.press_button(desk.resident, message, label=label)  # noqa: E731
    return (await bot_answers(desk.api, act))[-1]


async def _tickets(desk: Desk) -> list[Ticket]:
    async with desk.services.db.transaction() as session:
        return list(await session.scalars(select(Ticket)))


async def test_a_request_for_a_person_is_asked_what_it_is_about(desk: Desk) -> None:
    offered = await _say(desk, "转人工")
    assert ASK_PERSON in button_labels(offered)
    asked = await _press(desk, offered, ASK_PERSON)
    assert text_of(asked) == (
        "好的，马上帮你转给社区工作人员。请用一两句话说说需要帮什么忙，"
        "工作人员看到就能直接处理。（发送 /cancel 取消）"
    )
    assert await _tickets(desk) == []  # nothing filed before the resident says what
    filed = await _say(desk, QUESTION)
    [ticket] = await _tickets(desk)
    assert (ticket.category, ticket.description) == ("enquiry", QUESTION)
    assert f"咨询单号：{ticket.number}" in text_of(filed)
    card = await desk.card(ticket.number)
    assert QUESTION in text_of(card) and "转人工" not in text_of(card)
    # The answer was the enquiry: the next message is a question again, not a second one.
    await _say(desk, "谢谢")
    assert len(await _tickets(desk)) == 1


async def test_an_answer_that_again_only_asks_for_a_person_is_asked_again(desk: Desk) -> None:
    asked = await _press(desk, await _say(desk, "人工客服"), ASK_PERSON)
    assert "需要帮什么忙" in text_of(asked)
    again = await _say(desk, "我要找工作人员")
    assert text_of(again).startswith("工作人员会帮你的。为了让他们直接处理，请说说具体是什么事")
    assert await _tickets(desk) == []
    await _say(desk, QUESTION)
    assert [t.description for t in await _tickets(desk)] == [QUESTION]


async def test_cancel_while_asked_files_nothing(desk: Desk) -> None:
    await _press(desk, await _say(desk, "转人工"), ASK_PERSON)
    cancelled = await _say(desk, "/cancel")
    assert text_of(cancelled) == "好的，已取消，没有提交给工作人员。有问题随时直接问我。"
    assert await _tickets(desk) == []
    # The next message is an ordinary question again, not the enquiry's text.
    await _say(desk, QUESTION)
    assert await _tickets(desk) == []
    assert await desk.outbox(RESIDENT_ID) == []


async def test_a_one_character_answer_is_asked_for_again(desk: Desk) -> None:
    await _press(desk, await _say(desk, "转人工"), ASK_PERSON)
    short = await _say(desk, "嗯")
    assert text_of(short) == "请简单说说需要帮什么忙（2 到 2000 个字）。（发送 /cancel 取消）"
    await _say(desk, QUESTION)
    assert [t.description for t in await _tickets(desk)] == [QUESTION]


async def test_a_real_question_under_ask_person_is_filed_as_it_was(desk: Desk) -> None:
    offered = await _say(desk, "明天天气怎么样")
    filed = await _press(desk, offered, ASK_PERSON)
    [ticket] = await _tickets(desk)
    assert ticket.description == "明天天气怎么样"
    assert f"咨询单号：{ticket.number}" in text_of(filed)
