"""A resident contests a rejection (申请复核) through the real Application and the fake Bot
API server: the button under the rejection, the officials' request, the trail, the answer
either way, and forged presses refused with nothing changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.access import Actor
from storage.models import TicketEvent
from tests.e2e.staff_support import (
    RESIDENT_ID,
    STAFF_CHAT,
    STAFF_ID,
    Desk,
    desk,
    text_of,
)
from tests.fakes.bot_api import button_labels

__all__ = ["desk"]  # the fixture

OFFICIAL_ID, NEIGHBOUR_ID = 700900, 200002
AT_DESK = Actor(STAFF_ID, STAFF_CHAT)
ASK = "🙋 申请复核"


async def _in(desk: Desk, chat_id: int, containing: str) -> dict[str, Any]:
    found = await desk.api.wait_for(
        lambda: [m for m in desk.api.sent_to(chat_id) if containing in text_of(m)]
    )
    return found[-1]


async def _official(desk: Desk) -> dict[str, Any]:
    await desk.services.residents.register(OFFICIAL_ID, OFFICIAL_ID, "赵主任", "zh-hans")
    await desk.services.residents.grant_role(OFFICIAL_ID, "official")
    return desk.api.user(OFFICIAL_ID, "赵主任")


async def _rejected(desk: Desk) -> tuple[str, dict[str, Any]]:
    """A rejected ticket and the rejection message as the resident got it."""
    number = await desk.file()
    await desk.services.tickets.staff.reject(AT_DESK, number, "不属于社区管理范围，请联系物业")
    message = await _in(desk, RESIDENT_ID, f"你的工单 {number}")
    return number, message


async def _kinds(desk: Desk) -> list[str]:
    async with desk.services.db.transaction() as session:
        return list(await session.scalars(select(TicketEvent.kind).order_by(TicketEvent.id)))


async def test_a_rejected_resident_asks_for_a_review_and_the_official_upholds_it(
    desk: Desk,
) -> None:
    official = await _official(desk)
    number, rejection = await _rejected(desk)
    assert button_labels(rejection) == [ASK]

    desk.api.press_button(desk.resident, rejection, label=ASK)
    told = await _in(desk, RESIDENT_ID, f"已收到你对工单 {number} 的复核申请")
    assert "11月9日" in text_of(told)  # five working days: by the next Monday
    request = await _in(desk, OFFICIAL_ID, f"工单 #{number}（噪音扰民）")
    assert "不属于社区管理范围" in text_of(request) and f"/review {number} reopen" in text_of(
        request
    )
    await _in(desk, STAFF_CHAT, "已转社区领导审看")
    assert (await _kinds(desk))[-1] == "review_asked"
    assert button_labels(await _in(desk, RESIDENT_ID, f"你的工单 {number}")) == []  # asked once

    desk.api.press_button(
        official, request, label="查看工单"
    )  # the ticket, as supervision shows it
    opened = await _in(desk, OFFICIAL_ID, f"🎫 工单 #{number}")
    assert "居民申请复核" in text_of(opened)

    desk.api.send_text(official, f"/review {number} uphold ok")
    await _in(desk, OFFICIAL_ID, "维持原决定要写明理由")
    desk.api.send_text(official, f"/review {number} uphold 该处属于物业管理区域，请联系物业公司")
    await _in(desk, OFFICIAL_ID, f"已维持工单 {number} 的不予受理")
    answer = await _in(desk, RESIDENT_ID, f"关于工单 {number} 的复核申请")
    assert "维持「不予受理」" in text_of(answer) and "请联系物业公司" in text_of(answer)
    assert await desk.status(number) == "rejected"
    assert (await _kinds(desk))[-1] == "review_done"

    desk.api.send_text(desk.resident, f"/ticket {number}")
    timeline = await _in(desk, RESIDENT_ID, "复核结果")
    assert "申请复核" in text_of(timeline)
    # Signed as the message said it: officials decided it, not "staff".
    [verdict] = [line for line in text_of(timeline).split("\n") if "复核结果" in line]
    assert "社区领导" in verdict and "社区工作人员" not in verdict


async def test_an_official_sends_the_rejected_ticket_back_to_the_desk(desk: Desk) -> None:
    official = await _official(desk)
    number, rejection = await _rejected(desk)
    desk.api.press_button(desk.resident, rejection, label=ASK)
    await _in(desk, OFFICIAL_ID, f"工单 #{number}")

    desk.api.send_text(official, f"/review {number} reopen 请联系物业共同处理")
    await _in(desk, OFFICIAL_ID, f"工单 {number} 已退回重新办理")
    back = await _in(desk, STAFF_CHAT, f"工单 #{number}（噪音扰民）的「不予受理」被领导撤回")
    assert "请联系物业共同处理" in text_of(back) and "🏁 办结" in button_labels(back)
    await _in(desk, RESIDENT_ID, "已退回工作人员重新办理")
    assert await desk.status(number) == "reopened"

    desk.api.send_text(official, f"/review {number} uphold 维持原来的决定")
    await _in(desk, OFFICIAL_ID, f"工单 {number} 的复核已经有结果了")


async def test_forged_twice_and_late_presses_are_refused_and_change_nothing(desk: Desk) -> None:
    await _official(desk)
    number, rejection = await _rejected(desk)
    [data] = [
        b["callback_data"] for row in rejection["reply_markup"]["inline_keyboard"] for b in row
    ]
    before = await _kinds(desk)

    await desk.services.residents.register(NEIGHBOUR_ID, NEIGHBOUR_ID, "小李", "zh-hans")
    neighbour = desk.api.user(NEIGHBOUR_ID, "小李")
    desk.api.send_text(neighbour, "/mytickets")
    [own] = await desk.api.wait_for_message(NEIGHBOUR_ID)
    card = await desk.card(number)
    # Someone else's ticket from their own chat, and the owner's button pressed in a group:
    # data on no button of the message pressed (the service refuses them too: unit tests).
    for who, message in ((neighbour, own), (desk.resident, card)):
        query = desk.api.press_unshown(who, message, data)
        await desk.api.wait_for(lambda query=query: desk.api.callback_answer(query))
        assert "过期" in str((desk.api.callback_answer(query) or {}).get("text"))

    [refused] = await desk.say(f"/review {number} reopen")  # staff may not decide
    assert "复核只有领导" in text_of(refused)
    desk.api.send_text(await _official(desk), f"/review {number} reopen")  # nothing asked
    await _in(desk, OFFICIAL_ID, f"工单 {number} 没有人申请复核")

    desk.clock.advance(days=30)
    desk.api.press_button(desk.resident, rejection, label=ASK)
    await _in(desk, RESIDENT_ID, f"工单 {number} 不予受理已超过 15 个工作日")
    assert await _kinds(desk) == before
    assert await desk.status(number) == "rejected"
    assert "已收到你对工单" not in str([text_of(m) for m in desk.api.sent_to(RESIDENT_ID)])


async def test_pressing_twice_asks_once(desk: Desk) -> None:
    await _official(desk)
    number, rejection = await _rejected(desk)
    desk.api.press_button(desk.resident, rejection, label=ASK)
    desk.api.press_button(desk.resident, rejection, label=ASK)  # before the button is gone
    await _in(desk, RESIDENT_ID, f"工单 {number} 已经申请过复核了")
    await _in(desk, RESIDENT_ID, f"已收到你对工单 {number} 的复核申请")
    await _in(desk, OFFICIAL_ID, f"工单 #{number}")
    assert (await _kinds(desk)).count("review_asked") == 1
    assert len([m for m in desk.api.sent_to(OFFICIAL_ID) if "复核申请" in text_of(m)]) == 1
