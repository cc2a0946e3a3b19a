"""Callbacks, redo, supervision and a typed 没解决 through the real Application and the fake
Bot API server, every outbox message delivered by the real worker."""

from __future__ import annotations

from typing import Any

import pytest

from services.access import Actor
from tests.e2e.staff_support import (
    RESIDENT_ID,
    STAFF_CHAT,
    STAFF_ID,
    Desk,
    desk,
    status_shown,
    text_of,
)
from tests.fakes.bot_api import button_labels

__all__ = ["desk"]  # the fixture

OFFICIAL_ID = 700900
AT_DESK = Actor(STAFF_ID, STAFF_CHAT)


async def _resolved(desk: Desk) -> str:
    number = await desk.file()
    await desk.services.tickets.staff.accept(AT_DESK, number)
    await desk.services.tickets.staff.resolve(AT_DESK, number, "已协调施工方停止夜间作业")
    return number


async def _private(desk: Desk, chat_id: int, containing: str) -> dict[str, Any]:
    found = await desk.api.wait_for(
        lambda: [m for m in desk.api.sent_to(chat_id) if containing in text_of(m)]
    )
    return found[-1]


def _same(desk: Desk, message: dict[str, Any]) -> dict[str, Any]:
    """``message`` as the staff chat shows it now (edits applied)."""
    return next(m for m in desk.api.sent_to(STAFF_CHAT) if m["message_id"] == message["message_id"])


async def _in_staff_chat(desk: Desk, containing: str) -> dict[str, Any]:
    return await _private(desk, STAFF_CHAT, containing)


async def test_the_callback_list_and_an_unsatisfied_call_send_the_ticket_back(
    desk: Desk,
) -> None:
    number = await _resolved(desk)
    desk.clock.advance(days=2, hours=1)

    [listing] = await desk.say("/callbacks")
    assert f"#{number}" in text_of(listing) and "已办结两天未评价" in text_of(listing)
    assert button_labels(listing) == [f"#{number} 满意", "不满意", "联系不上"]

    desk.api.press_button(desk.staff, listing, label="不满意")
    await _in_staff_chat(desk, "已记录回访：不满意")
    await desk.api.wait_for(  # the reached ticket's row leaves the list
        lambda: not button_labels(_same(desk, listing))
    )
    redo = await _in_staff_chat(desk, f"工单 #{number}（噪音扰民）回访不满意，退回重办")
    assert "💬 答复" in button_labels(redo)  # the card's buttons come with it
    assert await desk.status(number) == "reopened"
    await _private(desk, RESIDENT_ID, "重新")  # the resident hears it is reopened
    [empty] = await desk.say("/callbacks")
    assert "没有待回访" in text_of(empty)


async def test_callback_command_checks_its_words_and_the_ticket(desk: Desk) -> None:
    number = await desk.file()
    [usage] = await desk.say(f"/callback {number} 还行")
    assert "用法：/callback" in text_of(usage)
    events = await desk.events()
    [refused] = await desk.say(f"/callback {number} satisfied")
    assert "不需要回访" in text_of(refused)
    assert await desk.events() == events
    await desk.services.tickets.staff.accept(AT_DESK, number)
    await desk.services.tickets.staff.resolve(AT_DESK, number)
    [done] = await desk.say(f"/callback {number} unreachable 电话没人接")
    assert "联系不上" in text_of(done)
    assert await desk.status(number) == "resolved"


@pytest.mark.parametrize(
    ("typed", "asked"),
    [
        ("还没解决呢！", "打个分"),  # a short answer counts like the button
        ("电梯还是坏的，根本没修好", "还没解决吗"),  # their own words: asked about first
    ],
)
async def test_a_typed_not_solved_after_the_rating_question_reopens_and_reaches_staff(
    desk: Desk, typed: str, asked: str
) -> None:
    number = await _resolved(desk)
    await desk.api.wait_for(
        lambda: [m for m in desk.api.sent_to(RESIDENT_ID) if "没解决" in str(button_labels(m))]
    )
    desk.api.send_text(desk.resident, typed)
    scores = await _private(desk, RESIDENT_ID, asked)
    assert number in text_of(scores) and "2 ⭐" in button_labels(scores)
    assert await desk.status(number) == "resolved"  # nothing counts before the score
    if asked == "还没解决吗":  # their words reach the staff at once, not only those after
        await _in_staff_chat(desk, typed)
    desk.api.press_button(desk.resident, scores, label="2 ⭐")
    await _private(desk, RESIDENT_ID, "哪里还没解决")
    desk.api.send_text(desk.resident, "晚上还是有电钻声")
    await _private(desk, RESIDENT_ID, "已重新打开")
    await _in_staff_chat(desk, "晚上还是有电钻声")
    assert await desk.status(number) == "reopened"


@pytest.mark.parametrize(
    ("typed", "not_asked"),
    [("解决了", "打个分"), ("我家楼道的灯坏了好久都没修好", "还没解决吗")],
)
async def test_a_rating_answer_without_a_rating_question_is_an_ordinary_question(
    desk: Desk, typed: str, not_asked: str
) -> None:
    await desk.file()  # open, not resolved: no rating question
    desk.api.send_text(desk.resident, typed)
    [answer] = await desk.api.wait_for_message(RESIDENT_ID)
    assert not_asked not in text_of(answer)


async def _official(desk: Desk) -> dict[str, Any]:
    services = desk.services
    await services.residents.register(OFFICIAL_ID, OFFICIAL_ID, "赵主任", "zh-hans")
    await services.residents.grant_role(OFFICIAL_ID, "official")
    return desk.api.user(OFFICIAL_ID, "赵主任")


async def test_supervise_shows_on_the_card_and_in_the_daily_digest(desk: Desk) -> None:
    official = await _official(desk)
    number = await desk.file()

    [refused] = await desk.say(f"/supervise {number}")  # staff may not
    assert "督办只有领导" in text_of(refused)

    desk.api.send_text(official, f"/supervise {number} 请本周内办结")
    await _private(desk, OFFICIAL_ID, "已列为督办件")
    told = await _in_staff_chat(desk, f"⚑ 督办：工单 #{number}")
    assert "请本周内办结" in text_of(told)

    card = await desk.card(number)
    await desk.press(card, "✅ 受理")
    shown = await desk.api.wait_for(lambda: status_shown(desk, number))
    assert "⚑ 督办" in text_of(shown)
    [queue] = await desk.say("/queue")
    assert f"⚑ 督办 #{number}" in text_of(queue)
    [detail] = await desk.say(f"/ticket {number}")
    assert "⚑ 督办" in text_of(detail) and "小王" in text_of(detail)  # staff see the name

    desk.api.send_text(official, f"/supervise {number}")
    await _private(desk, OFFICIAL_ID, "已经是督办件")

    local_0850 = desk.clock.now.replace(hour=0, minute=50)  # 08:50 in Shanghai
    await desk.services.tickets.supervision.send_daily_digest(local_0850)
    digest = await _private(desk, OFFICIAL_ID, "督办、超期与待复核工单")
    assert "【噪音扰民】" in text_of(digest) and f"{number} ⚑" in text_of(digest)
    desk.api.press_button(official, digest, label=number)
    opened = await _private(desk, OFFICIAL_ID, f"🎫 工单 #{number}")
    assert "列为督办" in text_of(opened)
    # Officials read progress, not who complained: no name, no phone, building level only.
    assert "小王" not in text_of(opened) and "5678" not in text_of(opened)
    assert "幸福小区3号楼" in text_of(opened) and "2单元" not in text_of(opened)

    desk.api.send_text(official, f"/unsupervise {number}")
    await _private(desk, OFFICIAL_ID, "已取消督办")
    await _in_staff_chat(desk, f"工单 #{number} 已取消督办")


async def test_supervise_refuses_an_unknown_number(desk: Desk) -> None:
    official = await _official(desk)
    desk.api.send_text(official, "/supervise 2611-9999")
    await _private(desk, OFFICIAL_ID, "没有找到工单 2611-9999")
    desk.api.send_text(official, "/supervise")
    await _private(desk, OFFICIAL_ID, "用法：/supervise")


async def test_unsupervise_on_an_ended_ticket_never_flagged_says_it_is_not_supervised(
    desk: Desk,
) -> None:
    official = await _official(desk)
    number = await desk.file()
    await desk.services.tickets.staff.reject(AT_DESK, number, "不属于社区管理范围")
    desk.api.send_text(official, f"/unsupervise {number}")
    told = await _private(desk, OFFICIAL_ID, f"工单 {number} 没有在督办中")
    assert "不能再督办" not in text_of(told)


async def test_a_typed_solved_with_two_tickets_waiting_asks_which_one(desk: Desk) -> None:
    first, second = await _resolved(desk), await _resolved(desk)
    await desk.api.wait_for(
        lambda: (
            len([m for m in desk.api.sent_to(RESIDENT_ID) if "没解决" in str(button_labels(m))])
            == 2
        )
    )
    desk.api.send_text(desk.resident, "解决了")
    which = await _private(desk, RESIDENT_ID, "哪一件")
    assert sorted(button_labels(which)) == sorted([first, second])
    desk.api.press_button(desk.resident, which, label=second)
    scores = await _private(desk, RESIDENT_ID, f"工单 {second}：请给这次处理打个分")
    desk.api.press_button(desk.resident, scores, label="5 ⭐")
    skip = await _private(desk, RESIDENT_ID, "你打了 5 分")
    desk.api.press_button(desk.resident, skip, label=button_labels(skip)[0])
    await _private(desk, RESIDENT_ID, "谢谢你的评价")
    assert (await desk.status(second), await desk.status(first)) == ("closed", "resolved")
