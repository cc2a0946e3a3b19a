"""The whole ticket loop as people see it: a resident files with a photo, staff accept and
reply from the staff chat, the resident is told, staff resolve, the resident says it is not
solved, and the ticket reopens — every message delivered by the real outbox worker."""

from __future__ import annotations

import re
from typing import Any

from services.access import Actor
from tests.e2e.conftest import RESIDENT_ID, STAFF_CHAT_ID, Linli
from tests.e2e.test_filing import NOISE, press, say
from tests.fakes.bot_api import TINY_PNG, button_labels


async def staff_chat_message(linli: Linli, containing: str) -> dict[str, Any]:
    found = await linli.api.wait_for(
        lambda: [
            m
            for m in linli.api.sent_to(STAFF_CHAT_ID)
            if containing in m.get("text", m.get("caption", ""))
        ]
    )
    return found[-1]


async def resident_message(linli: Linli, containing: str) -> dict[str, Any]:
    found = await linli.api.wait_for(
        lambda: [m for m in linli.api.sent_to(RESIDENT_ID) if containing in m.get("text", "")]
    )
    return found[-1]


async def test_file_accept_reply_resolve_not_solved_reopens(linli: Linli) -> None:
    api = linli.api
    question = await say(linli, "/complain")
    question = await press(linli, question, "噪音扰民")
    question = await say(linli, NOISE)
    question = await say(linli, "幸福小区3号楼2单元")
    api.send_photo(linli.resident, TINY_PNG)
    received = await api.wait_for(
        lambda: [m for m in api.sent_to(RESIDENT_ID) if "1 张" in str(button_labels(m))]
    )
    question = await press(linli, received[-1], "照片就这些（1 张），继续 »")
    question = await press(linli, question, "跳过 »")
    summary = await press(linli, question, "🙈 匿名")
    filed = await press(linli, summary, "✅ 提交")
    [number] = set(re.findall(r"\d{4}-\d{4}", filed["text"]))

    # The card reaches the staff chat with the photo, the category by name, and no name.
    card = await staff_chat_message(linli, number)
    shown = card.get("caption") or card.get("text", "")
    assert "噪音" in shown and "小王" not in shown
    assert "photo" in card or any(c.method in ("sendPhoto", "sendMediaGroup") for c in api.calls())

    # Staff accept with the card's button; the resident is told.
    api.press_button(linli.staff, card, label=next(b for b in button_labels(card) if "受理" in b))
    await resident_message(linli, "受理")

    # Staff answer by replying to the card; the resident gets it signed by the community.
    api.send_text(linli.staff, "已联系物业，今晚派人查看。", chat=STAFF_CHAT_ID, reply_to=card)
    answer = await resident_message(linli, "已联系物业")
    assert "李社工" not in answer["text"]

    # Staff resolve; the resident is asked whether it is really solved.
    api.send_text(linli.staff, f"/resolve {number} 已协调施工方停止夜间作业", chat=STAFF_CHAT_ID)
    ask = await resident_message(linli, number)
    ask = await linli.api.wait_for(
        lambda: [
            m for m in api.sent_to(RESIDENT_ID) if any("没解决" in b for b in button_labels(m))
        ]
    )
    not_solved = next(b for b in button_labels(ask[-1]) if "没解决" in b)
    api.press_button(linli.resident, ask[-1], label=not_solved)
    scores = await resident_message(linli, "打个分")
    api.press_button(linli.resident, scores, label="2 ⭐")
    await resident_message(linli, "哪里还没解决")
    api.send_text(linli.resident, "晚上十点以后还是在施工")
    await resident_message(linli, "重新")

    # Staff hear about it, and the ticket is open again.
    await staff_chat_message(linli, "晚上十点以后还是在施工")
    view = await linli.services.tickets.resident.get_ticket_for_resident(
        Actor.in_private(RESIDENT_ID), number
    )
    assert view.status == "reopened"
    assert view.rating_solved is False and view.rating_score == 2
