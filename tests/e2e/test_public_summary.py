"""The public summary end to end: staff resolve a ticket, are told what the public will
read, write a summary with /summary in the staff chat, and the official's /disclosure shows
it and never what the resident wrote."""

from __future__ import annotations

from typing import Any

from services.access import Actor
from services.tickets import Complaint
from storage.repositories import tickets as repo
from tests.e2e.staff_support import STAFF_CHAT, STAFF_ID, Desk, desk, find, text_of
from tests.e2e.test_staff_commands import card_topic

__all__ = ["desk"]  # the fixture

OFFICIAL_ID = 800001
LIGHT = Complaint(
    category="facilities",
    description="我是张建国，电话13812345678，住501室，楼道灯坏了",
    location_text="幸福里小区3号楼2单元501室",
    phone="13812345678",
)
SUMMARY = "楼道照明损坏，已更换灯具"


async def _official(desk: Desk) -> dict[str, Any]:
    await desk.services.residents.register(OFFICIAL_ID, OFFICIAL_ID, "街道领导", "zh-hans")
    await desk.services.residents.grant_role(OFFICIAL_ID, "official")
    return desk.api.user(OFFICIAL_ID, "街道领导")


async def _disclosure(desk: Desk, official: dict[str, Any]) -> str:
    desk.api.send_text(official, "/disclosure 2026-11")
    [shown] = await desk.api.wait_for_message(OFFICIAL_ID)
    return text_of(shown)


async def test_staff_write_the_summary_and_the_disclosure_shows_it(desk: Desk) -> None:
    official = await _official(desk)
    number = await desk.file(LIGHT)
    card = await desk.card(number)
    await desk.press(card, "✅ 受理")
    card = await desk.card_offering(number, "🏁 办结")
    assert await desk.press(card, "🏁 办结") == f"#{number} 已办结，已请居民评价。"
    followup = text_of(await desk.api.wait_for(lambda: find(desk, "🏁 #")))
    # Under the card: what the public will read now (the default) and how to change it.
    assert f"📝 #{number} 的公开摘要" in followup
    assert "设施报修 · 幸福里小区3号楼 · 已解决" in followup
    assert f"/summary {number}" in followup

    before = await _disclosure(desk, official)
    assert "1. 设施报修 · 幸福里小区3号楼 · 已解决" in before

    [saved] = await desk.say(f"/summary {number} {SUMMARY}")
    assert saved["text"].startswith(f"#{number} 的公开摘要已保存")
    assert f"设施报修 · {SUMMARY}" in saved["text"]
    [shown] = await desk.say(f"/summary {number}")
    assert f"设施报修 · {SUMMARY}" in shown["text"] and "不写时显示默认" in shown["text"]

    after = await _disclosure(desk, official)
    assert "【居务公开】2026年11月" in after
    assert f"1. 设施报修 · {SUMMARY}" in after
    for secret in ("张建国", "13812345678", "501", "楼道灯坏了", "小王"):
        assert secret not in after and secret not in before

    [trail] = await desk.say(f"/ticket {number}")
    assert f"张社工 写了公开摘要\n\u3000📝 {SUMMARY}" in trail["text"]


async def test_summary_refusals_change_nothing(desk: Desk) -> None:
    number = await desk.file(LIGHT)
    [early] = await desk.say(f"/summary {number} {SUMMARY}")
    assert early["text"].startswith(f"工单 {number} 现在是「待受理」，不能写公开摘要")
    await desk.say(f"/accept {number}")
    [resolved] = await desk.say(f"/resolve {number}")
    assert resolved["text"].startswith(f"#{number} 已办结，已请居民评价。")
    assert "设施报修 · 幸福里小区3号楼 · 已解决" in resolved["text"]  # the hint, here too
    [long] = await desk.say(f"/summary {number} " + "楼道灯已修好" * 20)
    assert long["text"].startswith("公开摘要太长了：最多 100 个字，现在有 120 个")
    [usage] = await desk.say("/summary")
    assert usage["text"].startswith("用法：/summary 工单号 公开摘要（最多 100 个字")
    desk.api.send_text(desk.resident, f"/summary {number} 我自己写", chat=desk.chat)
    [refused] = await desk.api.wait_for_message(STAFF_CHAT)
    assert refused["text"] == "这个操作只有社区工作人员可以使用。"
    async with desk.services.db.transaction() as session:
        ticket = await repo.get_ticket_by_number(session, number)
    assert ticket is not None and ticket.public_summary is None


async def test_in_a_ticket_topic_the_number_may_be_left_out(desk: Desk) -> None:
    desk.api.group(STAFF_CHAT, "社区工作人员", is_forum=True)
    number = await desk.file(LIGHT)
    topic = await card_topic(desk, number)
    await desk.say("/accept", message_thread_id=topic)
    await desk.say("/resolve", message_thread_id=topic)
    [saved] = await desk.say(f"/summary {SUMMARY}", message_thread_id=topic)
    assert saved["text"].startswith(f"#{number} 的公开摘要已保存")
    assert saved["message_thread_id"] == topic
    view = await desk.services.tickets.summaries.show(Actor(STAFF_ID, STAFF_CHAT), number)
    assert view.written == SUMMARY


async def test_a_reject_by_button_is_followed_by_the_summary_hint(desk: Desk) -> None:
    number = await desk.file(LIGHT)
    await desk.press(await desk.card(number), "❌ 不予受理")
    await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    [done] = await desk.say("属于物业维修范围，已转物业")
    first, _, hint = done["text"].partition("\n\n")
    assert first == f"#{number} 已不予受理，已告知居民原因。"
    assert "设施报修 · 幸福里小区3号楼 · 不予受理" in hint and f"/summary {number}" in hint
