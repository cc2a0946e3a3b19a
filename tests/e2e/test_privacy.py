"""A resident's own data end to end: /mydata shows it and sends it as JSON, /forget asks
first and then erases it, while the figures stay as they were; staff are sent to the
operator."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from services.reports import Report
from storage.models import QueryLog, Resident, Subscription, Ticket, TicketEvent
from storage.repositories.privacy import ERASED
from tests.e2e.conftest import RESIDENT_ID, Linli
from tests.e2e.test_broadcast import expect, write
from tests.e2e.test_filing import NOISE
from tests.e2e.test_my_tickets import file
from tests.fakes.bot_api import button_labels


def figures(report: Report) -> tuple[object, ...]:
    return (report.totals, report.by_category, report.by_community, report.kb, report.trend)


async def month(linli: Linli) -> Report:
    reports = linli.services.reports
    return await reports.report(reports.parse_period("month"))


async def test_mydata_then_forget(linli: Linli) -> None:
    me = linli.resident
    number = await file(linli)
    await write(linli, me, "低保怎么申请", "最低生活保障")
    await write(linli, me, f"/followup {number} 今天晚上十二点又开始了", "已转给")
    await linli.services.subscriptions.subscribe(RESIDENT_ID, "water_power")
    before = await month(linli)

    await write(linli, me, "/mydata", "邻里保存的你的资料")
    summary = await expect(linli, me, "你提交的工单：1 件")
    assert number in summary["text"] and "低保怎么申请" in summary["text"]
    sent = await linli.api.wait_for(
        lambda: [m for m in linli.api.sent_to(RESIDENT_ID) if "document" in m]
    )
    raw = linli.api.world.files[sent[-1]["document"]["file_id"]].data
    document = json.loads(bytes(raw))
    assert document["profile"]["subscriptions"] == ["water_power"]
    [ticket] = document["tickets"]
    assert ticket["number"] == number and ticket["description"] == NOISE
    assert "今天晚上十二点又开始了" in [e["message"] for e in ticket["timeline"]]
    assert document["questions"][0]["text"] == "低保怎么申请"

    confirm = await write(linli, me, "/forget", "确定删除你的资料吗")
    assert button_labels(confirm) == ["🗑 确定删除我的资料", "保留我的资料"]
    linli.api.press_button(me, confirm, label="🗑 确定删除我的资料")
    done = await expect(linli, me, "已删除你的资料")
    assert "1 件工单已匿名" in done["text"] and "保留了什么、为什么" in done["text"]

    assert figures(await month(linli)) == figures(before)
    async with linli.services.db.transaction() as session:
        stored = (await session.scalars(select(Ticket))).one()
        assert (stored.description, stored.location_text, stored.phone) == (ERASED, None, None)
        messages = await session.scalars(select(TicketEvent.public_message))
        assert "今天晚上十二点又开始了" not in list(messages)
        assert set(await session.scalars(select(QueryLog.raw_text))) == {""}
        assert list(await session.scalars(select(Subscription))) == []
        names = set(await session.scalars(select(Resident.display_name)))
        assert "小王" not in names
        assert (
            await session.scalar(select(Resident).where(Resident.telegram_id == RESIDENT_ID))
            is None
        )


async def test_keep_changes_nothing_and_staff_are_sent_to_the_operator(linli: Linli) -> None:
    confirm = await write(linli, linli.resident, "/forget", "确定删除你的资料吗")
    linli.api.press_button(linli.resident, confirm, label="保留我的资料")
    await expect(linli, linli.resident, "没有做任何改动")
    assert (await linli.services.privacy.export(RESIDENT_ID)).profile.display_name == "小王"
    await write(linli, linli.staff, "/forget", "请联系运维人员")


def forge(linli: Linli, user: dict, message: dict, data: str) -> None:
    """``user`` presses a button carrying ``data`` on ``message`` (in its chat)."""
    forged = {
        **message,
        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": data}]]},
    }
    linli.api.world.messages[(message["chat"]["id"], message["message_id"])] = forged
    linli.api.press_button(user, forged, label="x")


async def test_a_forged_confirmation_erases_nobody(linli: Linli) -> None:
    neighbour = linli.api.user(200002, "李先生", language_code="zh-hans")
    await write(linli, neighbour, "低保怎么申请", "最低生活保障")
    answer = await write(linli, linli.resident, "低保怎么申请", "最低生活保障")
    for data in ("pv:forget:200002", "pv:forget:²", "pv:forget"):
        forge(linli, linli.resident, answer, data)
        await expect(linli, linli.resident, "这个按钮只能由发起的本人")
        linli.api.world.messages.pop((RESIDENT_ID, answer["message_id"]))
    async with linli.services.db.transaction() as session:
        assert list(await session.scalars(select(QueryLog.raw_text))) == ["低保怎么申请"] * 2
    # The resident's own id, pressed in a group: not their private chat.
    card = linli.api.send_text(linli.resident, "hi", chat=linli.staff_chat)
    forge(linli, linli.resident, card, f"pv:forget:{RESIDENT_ID}")
    await linli.api.wait_for(
        lambda: any(
            "这个按钮只能由发起的本人" in str(m.get("text"))
            for m in linli.api.sent_to(linli.staff_chat["id"])
        )
    )
    assert (await linli.services.privacy.export(RESIDENT_ID)).profile.display_name == "小王"


async def test_a_second_tap_after_erasing_says_so_and_does_not_claim_nothing_changed(
    linli: Linli,
) -> None:
    """Erase, then "keep" (or erase again) on the same question before its buttons are
    gone: the data is already erased, and the resident is told that, not "nothing was
    changed" (nor a second "erased: 0 tickets"), and the question keeps "✅ erase"."""
    me = linli.resident
    await file(linli)
    confirm = await write(linli, me, "/forget", "确定删除你的资料吗")
    await asyncio.sleep(1.1)  # a person reads the question before tapping
    linli.api.press_button(me, confirm, label="🗑 确定删除我的资料")
    linli.api.press_button(me, confirm, label="保留我的资料")
    linli.api.press_button(me, confirm, label="🗑 确定删除我的资料")
    done = await expect(linli, me, "已删除你的资料")
    assert "1 件工单已匿名" in done["text"]

    def replies() -> list[str]:
        later = linli.api.sent_to(RESIDENT_ID)
        return [str(m.get("text")) for m in later if m["message_id"] > confirm["message_id"]]

    said = await linli.api.wait_for(lambda: r if len(r := replies()) >= 3 else [])
    await asyncio.sleep(0.3)  # the pressed question is settled after the replies
    assert not any("没有做任何改动" in text for text in said), said
    assert sum("已删除你的资料" in text for text in said) == 1, said
    assert sum("你的资料已经删除了" in text for text in said) == 2, said
    question = linli.api.world.messages[(RESIDENT_ID, confirm["message_id"])]
    assert question["text"].endswith("✅ 🗑 确定删除我的资料"), question["text"]
