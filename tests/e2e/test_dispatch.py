"""Dispatch through the fake Bot API with several unit chats: the card reaches the unit its
rule names, that unit's staff work it from their chat, another unit's chat cannot, and
/transfer moves it to a third chat."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.access import Actor
from services.district import current
from services.district.model import Community, District, Route, Unit, UnitKind
from services.tickets import Complaint
from tests.e2e.staff_support import STAFF_CHAT, Desk, desk, text_of

__all__ = ["desk"]  # the fixture

PROPERTY_CHAT, RIVER_CHAT = -1002001, -1002002
PROPERTY = Unit("property-sunny", "阳光物业", UnitKind.PROPERTY, PROPERTY_CHAT)
RIVER = Unit("rc-river", "河畔居委会", UnitKind.RESIDENTS_COMMITTEE, RIVER_CHAT)
PIPE = Complaint("property", "楼道水管漏水，地上全是水", "阳光社区5号楼", phone="13812345678")


@pytest.fixture(autouse=True)
def units(desk: Desk) -> Iterator[None]:
    # After linli started (it loads the bundled sample); the files never change after, so
    # the follow job leaves this configuration in place.
    current.use(
        District(
            communities=(
                Community("sunny", "阳光社区", ("5号楼",), "buildings"),
                Community("river", "河畔社区", ("1号楼",), "buildings"),
            ),
            units=(PROPERTY, RIVER),
            categories=current.bundled().categories,
            routes=(Route("property", "sunny", PROPERTY.id), Route("*", "river", RIVER.id)),
        )
    )
    yield


async def _card_in(desk: Desk, chat: int, number: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        return next((m for m in desk.api.sent_to(chat) if f"新工单 #{number}" in text_of(m)), None)

    return await desk.api.wait_for(found)


async def _say_in(desk: Desk, chat: dict[str, Any], text: str) -> str:
    desk.api.send_text(desk.staff, text, chat=chat)
    [answer] = await desk.api.wait_for_message(chat["id"])
    return text_of(answer)


async def test_a_units_chat_gets_its_cards_and_works_only_its_tickets(desk: Desk) -> None:
    property_chat = desk.api.group(PROPERTY_CHAT, "阳光物业工作群")
    river_chat = desk.api.group(RIVER_CHAT, "河畔居委会工作群")
    number = (
        await desk.services.tickets.filing.file_complaint(Actor.in_private(200001), PIPE)
    ).number
    card = await _card_in(desk, PROPERTY_CHAT, number)
    assert not [m for m in desk.api.sent_to(STAFF_CHAT) if number in text_of(m)]
    # The river committee's staff cannot act on it, even with the card's own button.
    refused = await _say_in(desk, river_chat, f"/accept {number}")
    assert refused == f"工单 {number} 由「阳光物业」办理，不能在本群操作。"
    assert await desk.status(number) == "new"
    # The property company's staff press accept on the card in their chat.
    assert await desk.press(card, "✅ 受理") == f"#{number} 已受理，由你负责。"
    assert await desk.status(number) == "accepted"
    # They hand it to the residents' committee, with the reason.
    # Named by its id, the unit is told back by its name.
    done = await _say_in(desk, property_chat, f"/transfer {number} rc-river 公共管道归居委会协调")
    assert done == f"#{number} 已转派给「河畔居委会」。"
    moved = await _card_in(desk, RIVER_CHAT, number)
    assert moved["chat"]["id"] == RIVER_CHAT
    arrived = [text_of(m) for m in desk.api.sent_to(RIVER_CHAT) if "转派过来" in text_of(m)]
    assert arrived == [f"📨 工单 #{number} 从「阳光物业」转派过来\n原因：公共管道归居委会协调"]
    left = await desk.api.wait_for(
        lambda: [m for m in desk.api.sent_to(PROPERTY_CHAT) if "本群不再跟进" in text_of(m)]
    )
    assert text_of(left[0]) == f"📤 工单 #{number} 已转派给「河畔居委会」，本群不再跟进。"
    # The chat it left can no longer work it.
    gone = await _say_in(desk, property_chat, f"/note {number} 再看看")
    assert gone == f"工单 {number} 由「河畔居委会」办理，不能在本群操作。"


async def test_bad_transfers_say_what_is_wrong(desk: Desk) -> None:
    property_chat = desk.api.group(PROPERTY_CHAT, "阳光物业工作群")
    number = (
        await desk.services.tickets.filing.file_complaint(Actor.in_private(200001), PIPE)
    ).number
    await _card_in(desk, PROPERTY_CHAT, number)
    usage = await _say_in(desk, property_chat, f"/transfer {number} 河畔居委会")
    assert usage.startswith("用法：/transfer 工单号 单位 原因")
    unknown = await _say_in(desk, property_chat, f"/transfer {number} 城管中队 不归我们")
    assert unknown == "没有叫「城管中队」的单位。可以转派给：阳光物业、河畔居委会"
    same = await _say_in(desk, property_chat, f"/transfer {number} 阳光物业 再派一次")
    assert same == "工单已经在「阳光物业」，不用转派。"
    assert (await desk.outbox(RIVER_CHAT)) == []
