"""The staff desk end to end: cards in the staff chat, their buttons, staff commands and
replies, against the fake Bot API server with the delivery worker running.

What residents receive is checked in the outbox (its rendering is the resident side's);
what staff see is checked in the staff chat.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.delivery import DeliveryWorker
from bot.delivery_limits import DeliveryConfig
from bot.runner import running
from services import Services, open_services
from services.delivery import DeliveryService
from services.knowledge_base import LiveKnowledge
from services.tickets import Complaint
from storage.models import OutboxMessage, TicketEvent
from tests.fakes.bot_api import BotApiServer, button_labels, make_bot

STAFF_CHAT = -1009000
STAFF_ID, STAFF_2_ID, RESIDENT_ID = 700001, 700002, 200001
# Monday 2 November 2026, 10:00 in Shanghai: a plain working day.
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
NOISE = Complaint(
    category="noise",
    description="楼上每天晚上十一点以后还在装修，电钻声音很大",
    location_text="幸福小区3号楼2单元",
    phone="13812345678",
)


class Clock:
    """Now for the services and the outbox alike; tests move it forward."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    api: BotApiServer
    services: Services
    clock: Clock
    resident: dict[str, Any]
    staff: dict[str, Any]
    chat: dict[str, Any]

    async def file(self, complaint: Complaint = NOISE) -> str:
        """The resident files a ticket; returns its number once its card is in the chat."""
        view = await self.services.tickets.file_complaint(RESIDENT_ID, complaint)
        await self.card(view.number)
        return view.number

    async def card(self, number: str) -> dict[str, Any]:
        """The ticket's card in the staff chat, as it looks now."""

        def found() -> dict[str, Any] | None:
            for message in self.api.sent_to(STAFF_CHAT):
                if f"新工单 #{number}" in _text(message).split("\n", 1)[0]:
                    return message
            return None

        return await self.api.wait_for(found)

    async def press(self, message: dict[str, Any], label: str, who: Any = None) -> str:
        """Someone (staff by default) taps a button; returns the short answer they see."""
        query = self.api.press_button(who or self.staff, message, label=label)
        await self.api.wait_for(lambda: self.api.callback_answer(query) is not None)
        return str((self.api.callback_answer(query) or {}).get("text") or "")

    async def say(self, text: str, who: Any = None, count: int = 1, **kw: Any) -> list[dict]:
        """Someone (staff by default) writes in the staff chat; returns linli's answers."""
        self.api.send_text(who or self.staff, text, chat=self.chat, **kw)
        return await self.api.wait_for_message(STAFF_CHAT, count=count)

    async def outbox(self, chat_id: int) -> list[tuple[str, dict[str, Any]]]:
        async with self.services.db.transaction() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == chat_id)
                .order_by(OutboxMessage.id)
            )
            return [(r.message_key, r.params) for r in rows]

    async def events(self) -> int:
        async with self.services.db.transaction() as session:
            return len(list(await session.scalars(select(TicketEvent))))

    async def status(self, number: str) -> str:
        return (await self.services.tickets.get_ticket_for_staff(STAFF_ID, number)).status


def _text(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


@pytest.fixture
async def desk(tmp_path: Path, live_knowledge: LiveKnowledge) -> AsyncIterator[Desk]:
    clock = Clock()
    services = await open_services(
        f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3",
        None,
        "zh-Hans",
        clock=clock,
        knowledge=live_knowledge,
        staff_chat_id=STAFF_CHAT,
    )
    await services.residents.register(RESIDENT_ID, RESIDENT_ID, "小王", "zh-hans")
    for telegram_id, name in ((STAFF_ID, "张社工"), (STAFF_2_ID, "李社工")):
        await services.residents.register(telegram_id, telegram_id, name, "zh-hans")
        await services.residents.grant_role(telegram_id, "staff")
    async with BotApiServer() as api:
        application = build_application(
            services, token=api.token, api_url=api.url, staff_chat_id=STAFF_CHAT, overall_rate=0
        )
        resident = api.user(RESIDENT_ID, "小王")
        staff = api.user(STAFF_ID, "张社工")
        api.user(STAFF_2_ID, "李社工")
        chat = api.group(STAFF_CHAT, "社区工作人员")
        config = DeliveryConfig(
            send_rate=1000, private_chat_rate=100, group_per_minute=10_000, poll_interval_s=0.05
        )
        async with running(application, poll_timeout=1), make_bot(api) as bot:
            worker = DeliveryWorker(
                bot, DeliveryService(services.db, services.residents, clock=clock), config
            )
            await worker.start()
            try:
                yield Desk(api, services, clock, resident, staff, chat)
            finally:
                await worker.stop(grace_s=1)
    await services.close()


async def test_a_new_ticket_arrives_as_a_card_with_its_buttons(desk: Desk) -> None:
    number = await desk.file()
    card = await desk.card(number)
    text = _text(card)
    assert text.startswith(f"🆕 新工单 #{number}")
    for shown in (NOISE.description, "幸福小区3号楼2单元", "照片：0 张", "小王", "138****5678"):
        assert shown in text
    assert "13812345678" not in text
    assert button_labels(card) == ["✅ 受理", "💬 答复", "🏁 办结", "❌ 不予受理", "👥 分派"]


async def test_an_anonymous_resident_stays_anonymous_on_the_card(desk: Desk) -> None:
    number = await desk.file(
        Complaint("sanitation", "垃圾桶三天没人清理，味道很大", "幸福小区东门", anonymous=True)
    )
    text = _text(await desk.card(number))
    assert "小王" not in text and "照片：0 张" in text


async def test_accept_by_button_updates_the_card_and_tells_the_resident(desk: Desk) -> None:
    number = await desk.file()
    answer = await desk.press(await desk.card(number), "✅ 受理")
    assert answer == f"#{number} 已受理，由你负责。"
    card = await desk.api.wait_for(lambda: _status_shown(desk, number))
    assert "📌 状态：已受理　负责：张社工" in _text(card)
    assert "✅ 受理" not in button_labels(card) and "🏁 办结" in button_labels(card)
    assert (await desk.outbox(RESIDENT_ID))[-1][0] == "ticket.status_changed"
    assert await desk.status(number) == "accepted"


def _status_shown(desk: Desk, number: str) -> dict[str, Any] | None:
    for message in desk.api.sent_to(STAFF_CHAT):
        if f"#{number}" in _text(message).split("\n", 1)[0] and "📌 状态" in _text(message):
            return message
    return None


async def test_a_double_press_is_answered_and_changes_nothing(desk: Desk) -> None:
    number = await desk.file()
    card = await desk.card(number)
    # Two taps before the card changes: both reach linli, only one accepts.
    taps = [desk.api.press_button(desk.staff, card, label="✅ 受理") for _ in range(2)]
    answers = [await desk.api.wait_for(lambda q=q: desk.api.callback_answer(q)) for q in taps]
    assert sorted(a["text"] for a in answers) == [
        f"#{number} 已受理，由你负责。",
        f"工单 {number} 现在是「已受理」，不能受理。",
    ]
    events, sent = await desk.events(), await desk.outbox(RESIDENT_ID)
    assert events == 2 and [k for k, _ in sent] == ["ticket.status_changed"]


async def test_reply_by_replying_to_the_card_reaches_the_resident_unsigned(desk: Desk) -> None:
    number = await desk.file()
    card = await desk.card(number)
    [done] = await desk.say("已联系物业，今晚上门查看", reply_to=card)
    assert done["text"] == f"#{number} 已答复居民（以社区名义发送）。"
    key, params = (await desk.outbox(RESIDENT_ID))[-1]
    assert (key, params) == (
        "ticket.staff_reply",
        {"number": number, "message": "已联系物业，今晚上门查看"},
    )
    assert "张社工" not in str(params)


async def test_the_reply_button_prompts_and_a_reply_to_the_prompt_answers(desk: Desk) -> None:
    number = await desk.file()
    assert await desk.press(await desk.card(number), "💬 答复") == ""
    prompt = await desk.api.wait_for(lambda: _find(desk, "💬 答复工单"))
    assert prompt["text"].startswith(f"💬 答复工单 #{number}")
    await desk.say("明天上午去现场", reply_to=prompt)
    assert (await desk.outbox(RESIDENT_ID))[-1] == (
        "ticket.staff_reply",
        {"number": number, "message": "明天上午去现场"},
    )


def _find(desk: Desk, start: str) -> dict[str, Any] | None:
    found = [m for m in desk.api.sent_to(STAFF_CHAT) if _text(m).startswith(start)]
    return found[-1] if found else None


async def test_reject_by_button_takes_the_next_message_as_the_reason(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    await desk.api.wait_for(lambda: _find(desk, "❌ 请写不予受理的原因"))
    [done] = await desk.say("属于物业合同纠纷，请向法院起诉")
    assert done["text"] == f"#{number} 已不予受理，已告知居民原因。"
    assert (await desk.outbox(RESIDENT_ID))[-1] == (
        "ticket.rejected",
        {"number": number, "reason": "属于物业合同纠纷，请向法院起诉"},
    )
    # The next message is staff talk again.
    events = await desk.events()
    desk.api.send_text(desk.staff, "大家辛苦了", chat=desk.chat)
    [answer] = await desk.say("/queue")
    assert answer["text"] == "📋 没有待办工单。" and await desk.events() == events


async def test_a_reject_prompt_can_be_cancelled(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    await desk.api.wait_for(lambda: _find(desk, "❌ 请写不予受理的原因"))
    [cancelled] = await desk.say("/cancel")
    assert cancelled["text"] == f"已取消，工单 {number} 没有变化。"
    desk.api.send_text(desk.staff, "这个我明天再看", chat=desk.chat)
    [nothing] = await desk.say("/cancel")
    assert nothing["text"] == "没有正在进行的操作。"
    assert await desk.status(number) == "new"


async def test_resolve_by_button_then_a_note_for_the_resident(desk: Desk) -> None:
    number = await desk.file()
    card = await desk.card(number)
    await desk.press(card, "✅ 受理")
    assert await desk.press(card, "🏁 办结") == f"#{number} 已办结，已请居民评价。"
    followup = await desk.api.wait_for(lambda: _find(desk, "🏁 #"))
    assert await desk.status(number) == "resolved"
    assert (await desk.outbox(RESIDENT_ID))[-1][0] == "ticket.rate_request"
    await desk.say("施工方已承诺晚上八点后停工", reply_to=followup)
    assert (await desk.outbox(RESIDENT_ID))[-1][1]["message"] == "施工方已承诺晚上八点后停工"


async def test_assign_lists_the_staff_and_assigns(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "👥 分派")
    choices = await desk.api.wait_for(lambda: _find(desk, f"把工单 #{number}"))
    assert sorted(button_labels(choices)) == ["张社工", "李社工"]
    assert await desk.press(choices, "李社工") == f"#{number} 已分派给 李社工。"
    view = await desk.services.tickets.get_ticket_for_staff(STAFF_ID, number)
    assert view.assignee_telegram_id == STAFF_2_ID
    assert (await desk.outbox(STAFF_2_ID))[-1][0] == "staff.assigned"
    assert "负责：李社工" in _text(await desk.card(number))


async def test_commands_work_a_ticket_through(desk: Desk) -> None:
    number = await desk.file()
    [accepted] = await desk.say(f"/accept {number}")
    assert accepted["text"] == f"#{number} 已受理，由你负责。"
    [noted] = await desk.say(f"/note {number} 业主电话打不通，先找物业")
    assert noted["text"] == f"工单 {number} 的内部备注已记录（居民看不到）。"
    [replied] = await desk.say(f"/reply #{number} 已联系物业\n今晚上门")
    assert replied["text"].startswith(f"#{number} 已答复")
    [resolved] = await desk.say(f"/resolve {number} 已处理完毕")
    assert resolved["text"] == f"#{number} 已办结，已请居民评价。"
    sent = await desk.outbox(RESIDENT_ID)
    assert [k for k, _ in sent] == [
        "ticket.status_changed", "ticket.staff_reply", "ticket.rate_request"
    ]  # fmt: skip
    assert sent[1][1]["message"] == "已联系物业\n今晚上门"
    assert "业主电话" not in str(sent)  # the note stays internal
    [again] = await desk.say(f"/accept {number}")
    assert again["text"] == f"工单 {number} 现在是「已办结，等待居民评价」，不能受理。"


async def test_reject_and_merge_commands(desk: Desk) -> None:
    first, second, third = await desk.file(), await desk.file(), await desk.file()
    [rejected] = await desk.say(f"/reject {first} 重复反映，已在处理")
    assert rejected["text"] == f"#{first} 已不予受理，已告知居民原因。"
    [merged] = await desk.say(f"/merge {second} {third}")
    assert merged["text"] == f"#{second} 已合并到 #{third}，居民会收到通知。"
    assert [await desk.status(n) for n in (first, second, third)] == ["rejected", "merged", "new"]


async def test_queue_lists_open_tickets_by_due_time_with_overdue_marked(desk: Desk) -> None:
    slow = await desk.file(Complaint("facilities", "楼道灯坏了两个星期，晚上很黑", "幸福小区5号楼"))
    fast = await desk.file()
    await desk.say(f"/accept {slow}")  # answered in time: only its resolution can be late
    [queue] = await desk.say("/queue")
    lines = queue["text"].split("\n")
    assert lines[0] == "📋 待办工单（按办结期限排序，共 2 件）"
    assert lines[1].startswith(f"#{fast} 噪音扰民 · 待受理 · 办结期限 11月")
    assert lines[3].startswith(f"#{slow} 设施报修 · 已受理")
    desk.clock.now += timedelta(days=4)  # past the noise ticket's limit, within the other's
    [later] = await desk.say("/queue")
    assert later["text"].split("\n")[1].startswith(f"⚠️超时 #{fast}")
    assert later["text"].split("\n")[3].startswith(f"#{slow}")


async def test_mine_shows_the_callers_tickets(desk: Desk) -> None:
    number = await desk.file()
    [empty] = await desk.say("/mine")
    assert empty["text"] == "🙋 目前没有分派给你的待办工单。"
    await desk.say(f"/accept {number}")
    [mine] = await desk.say("/mine")
    assert mine["text"].startswith("🙋 分派给你的工单（共 1 件）") and f"#{number}" in mine["text"]


async def test_ticket_shows_the_whole_timeline_to_staff(desk: Desk) -> None:
    number = await desk.file()
    await desk.say(f"/accept {number}")
    await desk.say(f"/note {number} 业主电话打不通")
    await desk.say(f"/reply {number} 已联系物业")
    [shown] = await desk.say(f"/ticket {number}")
    text = shown["text"]
    assert text.startswith(f"🎫 工单 #{number} · 噪音扰民 · 已受理")
    assert "📌 负责：张社工" in text and "138****5678" in text
    assert (
        text.index("张社工：已受理") < text.index("📝 业主电话打不通") < text.index("💬 已联系物业")
    )
    assert "居民：待受理" in text  # the filing itself


async def test_bad_arguments_get_a_usage_line_and_unknown_numbers_not_found(desk: Desk) -> None:
    cases = {
        "/reply": "用法：/reply",
        "/reply 2611-0001": "用法：/reply",
        "/note 12 备注": "用法：/note",
        "/ticket": "用法：/ticket",
        "/ticket abc": "用法：/ticket",
        "/resolve": "用法：/resolve",
        "/reject 2611-0001": "用法：/reject",
        "/accept": "用法：/accept",
        "/accept 2611-0001 extra": "用法：/accept",
        "/assign 2611-0001 somebody": "用法：/assign",
        "/merge 2611-0001": "用法：/merge",
        "/accept 2611-9999": "没有找到工单 2611-9999。",
        "/ticket 2611-9999": "没有找到工单 2611-9999。",
        "/reply 2611-9999 你好": "没有找到工单 2611-9999。",
    }
    for command, expected in cases.items():
        [answer] = await desk.say(command)
        assert answer["text"].startswith(expected), command


async def test_a_ticket_topic_needs_no_number(desk: Desk) -> None:
    desk.api.group(STAFF_CHAT, "社区工作人员", is_forum=True)
    number = await desk.file()
    ticket = await desk.services.tickets.get_ticket_for_staff(STAFF_ID, number)
    topic = await make_topic(desk, f"#{number}")
    assert await desk.services.tickets.set_staff_thread(ticket.id, topic) == topic
    [accepted] = await desk.say("/accept", message_thread_id=topic)
    assert accepted["text"] == f"#{number} 已受理，由你负责。"
    assert accepted["message_thread_id"] == topic
    await desk.say("/reply 明天去现场", message_thread_id=topic)
    assert (await desk.outbox(RESIDENT_ID))[-1][1] == {"number": number, "message": "明天去现场"}
    [shown] = await desk.say("/ticket", message_thread_id=topic)
    assert shown["text"].startswith(f"🎫 工单 #{number}")


async def make_topic(desk: Desk, name: str) -> int:
    async with make_bot(desk.api) as bot:
        return (await bot.create_forum_topic(STAFF_CHAT, name)).message_thread_id


async def test_a_follow_up_reaches_the_staff_chat_and_can_be_answered(desk: Desk) -> None:
    number = await desk.file()
    await desk.services.tickets.followup(RESIDENT_ID, number, "今晚又开始了，十一点半还在钻")
    followup = await desk.api.wait_for(lambda: _find(desk, f"💬 工单 #{number}"))
    assert "十一点半还在钻" in followup["text"]
    await desk.say("收到，马上联系物业", reply_to=followup)
    assert (await desk.outbox(RESIDENT_ID))[-1][1]["message"] == "收到，马上联系物业"


async def test_staff_talk_in_the_staff_chat_gets_no_answer(desk: Desk) -> None:
    number = await desk.file()
    desk.api.send_text(desk.staff, "低保怎么申请", chat=desk.chat)
    [answer] = await desk.say(f"/ticket {number}")  # the only answer is to the command
    assert answer["text"].startswith("🎫")
