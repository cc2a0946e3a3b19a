"""代录 through the real Application and the fake Bot API server: a staff member records a
phone complaint in a private chat, the card reaches the staff chat, staff resolve it, and
the recorder gets the update to pass on by phone; refusals and /cancel change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from services.reports import export, month_period
from storage.models import Ticket
from tests.e2e.staff_support import (
    RESIDENT_ID,
    STAFF_ID,
    Desk,
    desk,
    status_shown,
    text_of,
)
from tests.e2e.test_privacy import forge
from tests.fakes.bot_api import button_labels

__all__ = ["desk"]  # the fixture


async def _shown(desk: Desk, containing: str, chat_id: int = STAFF_ID) -> dict[str, Any]:
    """The latest message in ``chat_id`` (the recorder's private chat) containing a text."""
    found = await desk.api.wait_for(
        lambda: [m for m in desk.api.sent_to(chat_id) if containing in text_of(m)]
    )
    return found[-1]


async def _type(desk: Desk, text: str, expect: str) -> dict[str, Any]:
    desk.api.send_text(desk.staff, text)  # in the staff member's private chat
    return await _shown(desk, expect)


async def _tickets(desk: Desk) -> int:
    async with desk.services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


async def test_a_phone_complaint_recorded_resolved_and_passed_on(desk: Desk) -> None:
    ask = await _type(desk, "/record", "通过什么方式反映")
    assert button_labels(ask) == ["电话", "来访", "来信", "12345 热线", "其他", "❌ 取消"]
    desk.api.press_button(desk.staff, ask, label="电话")
    ask = await _shown(desk, "属于哪一类问题")
    desk.api.press_button(desk.staff, ask, label="噪音扰民")
    await _shown(desk, "请输入居民反映的问题")
    await _type(desk, "太吵了", "至少要 10 个字")  # refused, asked again
    place = await _type(desk, "楼下饭店油烟很大，每天中午和晚上都熏到家里", "问题发生在哪里")
    assert "示例社区A" in button_labels(place)  # the district's communities, or typed
    await _type(desk, "幸福小区5号楼", "居民怎么称呼")
    await _type(desk, "王阿姨", "居民的联系电话")
    await _type(desk, "12345", "这不是有效的电话号码")
    summary = await _type(desk, "138 1234 5678", "请核对代录内容")
    assert "渠道：电话" in text_of(summary)
    assert "居民：王阿姨　电话：13812345678" in text_of(summary)
    assert await _tickets(desk) == 0  # nothing is filed before 提交
    desk.api.press_button(desk.staff, summary, label="✅ 提交")
    filed = await _shown(desk, "已代录工单")
    number = text_of(filed).split("已代录工单 ", 1)[1].split("（", 1)[0]

    card = await desk.card(number)
    assert "王阿姨（代录 · 电话，记录人：张社工）" in text_of(card)
    assert "13812345678" not in text_of(card)  # the staff chat sees the phone masked

    await desk.press(card, "✅ 受理")  # on the card: it is redrawn from the ticket's view
    redrawn = await desk.api.wait_for(lambda: status_shown(desk, number))
    assert "王阿姨（代录 · 电话，记录人：张社工）" in text_of(redrawn)
    await _shown(desk, f"代录工单 {number}（电话）有新进展")  # accepted: passed on
    [done] = await desk.say(f"/resolve {number} 已约谈饭店，加装了净化器")
    assert "已发给代录的工作人员转告居民" in text_of(done) and "已请居民评价" not in text_of(done)
    passed = await _shown(desk, "已约谈饭店")
    assert f"代录工单 {number}（电话）有新进展，请电话转告 王阿姨 13812345678" in text_of(passed)
    assert button_labels(passed) == []  # no rating buttons: the callback asks the caller
    assert desk.api.sent_to(RESIDENT_ID) == []  # no Telegram resident is told anything

    [listing] = await desk.say("/callbacks")
    assert f"#{number}" in text_of(listing)  # recorded on behalf: due a call once resolved

    report = await desk.services.reports.report(month_period(2026, 11))
    by_channel = export.to_json(report)["by_channel"]
    assert by_channel["phone"]["received"] == 1 and by_channel["phone"]["title"] == "电话"


async def test_record_is_refused_in_a_group_and_to_residents(desk: Desk) -> None:
    [refused] = await desk.say("/record")
    assert "请在和我的私聊里发送 /record" in text_of(refused)
    desk.api.send_text(desk.resident, "/record")
    [denied] = await desk.api.wait_for_message(RESIDENT_ID)
    assert "只有社区工作人员" in text_of(denied)


async def test_cancel_and_forged_buttons_file_nothing(desk: Desk) -> None:
    ask = await _type(desk, "/record", "通过什么方式反映")
    forge(desk, desk.staff, ask, "ob:ch:fax")  # type: ignore[arg-type]
    ask = await _shown(desk, "没有这种反映渠道")  # and the channel buttons again
    forge(desk, desk.staff, ask, "ob:cat:noise")  # type: ignore[arg-type]  # not this step
    ask = await _shown(desk, "这个按钮已经过时了")
    desk.api.press_button(desk.staff, ask, label="来信")
    ask = await _shown(desk, "属于哪一类问题")
    forge(desk, desk.staff, ask, "ob:cat:no-such-category")  # type: ignore[arg-type]
    ask = await _shown(desk, "没有这个分类")
    await _type(desk, "/cancel", "这次代录已取消")
    assert await _tickets(desk) == 0
    # The flow is over: a button of it now says so.
    desk.api.press_button(desk.staff, ask, label="噪音扰民")
    await _shown(desk, "现在没有正在填写的代录")
    assert await _tickets(desk) == 0


async def test_a_pressed_submit_or_cancel_reads_as_what_was_done(desk: Desk) -> None:
    """The pressed message shows "✅ 已提交" / "✅ 已取消" (as /complain's do), not the
    button's own label after the tick ("✅ ✅ 提交", "✅ ❌ 取消")."""

    def shown_now(message: dict[str, Any]) -> str:
        return text_of(desk.api.world.messages[(STAFF_ID, message["message_id"])])

    ask = await _type(desk, "/record", "通过什么方式反映")
    desk.api.press_button(desk.staff, ask, label="❌ 取消")
    await _shown(desk, "这次代录已取消")
    await desk.api.wait_for(lambda: shown_now(ask).endswith("✅ 已取消"))

    desk.api.send_text(desk.staff, "/record")
    [ask] = await desk.api.wait_for(
        lambda: [
            m
            for m in desk.api.sent_to(STAFF_ID)
            if m["message_id"] > ask["message_id"] and "通过什么方式反映" in text_of(m)
        ]
    )
    desk.api.press_button(desk.staff, ask, label="电话")
    ask = await _shown(desk, "属于哪一类问题")
    desk.api.press_button(desk.staff, ask, label="噪音扰民")
    await _shown(desk, "请输入居民反映的问题")
    await _type(desk, "楼下饭店油烟很大，每天中午和晚上都熏到家里", "问题发生在哪里")
    await _type(desk, "幸福小区5号楼", "居民怎么称呼")
    await _type(desk, "王阿姨", "居民的联系电话")
    summary = await _type(desk, "138 1234 5678", "请核对代录内容")
    desk.api.press_button(desk.staff, summary, label="✅ 提交")
    await _shown(desk, "已代录工单")
    await desk.api.wait_for(lambda: shown_now(summary).endswith("✅ 已提交"))


async def test_an_english_recorder_typing_the_residents_chinese_words_stays_in_english(
    desk: Desk,
) -> None:
    """What the recorder types (the resident's problem, address, name) is the resident's,
    usually in Chinese: it says nothing about the recorder's own language."""
    await desk.services.residents.set_language(STAFF_ID, "en")
    ask = await _type(desk, "/record", "How did the resident reach us?")
    desk.api.press_button(desk.staff, ask, label="phone")
    ask = await _shown(desk, "Which kind of problem is it?")
    desk.api.press_button(desk.staff, ask, label="Noise")
    await _shown(desk, "What is the problem?")
    await _type(desk, "楼下饭店油烟很大，每天中午和晚上都熏到家里", "Where is it?")
    await _type(desk, "幸福小区5号楼", "What is the resident's name?")
    await _type(desk, "王阿姨", "The resident's phone number?")
