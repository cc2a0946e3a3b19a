"""Staff commands end to end: /accept /reply /note /resolve /reject /merge /queue /mine
/ticket, their usage lines, and forum topics where the number may be left out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from handlers.staff.topics import ForumChats, card_thread
from services.access import Actor
from services.tickets import Complaint
from storage.models import OutboxMessage, Resident
from tests.e2e import staff_support
from tests.e2e.conftest import STAFF_CHAT_ID
from tests.e2e.staff_support import RESIDENT_ID, STAFF_CHAT, STAFF_ID, Desk, desk, text_of
from tests.fakes.bot_api import make_bot

__all__ = ["desk"]  # the fixture


async def test_commands_work_a_ticket_through(desk: Desk) -> None:
    number = await desk.file()
    [accepted] = await desk.say(f"/accept {number}")
    assert accepted["text"] == f"#{number} 已受理，由你负责。"
    [noted] = await desk.say(f"/note {number} 业主电话打不通，先找物业")
    assert noted["text"] == f"工单 {number} 的内部备注已记录（居民看不到）。"
    [replied] = await desk.say(f"/reply #{number} 已联系物业\n今晚上门")
    assert replied["text"].startswith(f"#{number} 已答复")
    [resolved] = await desk.say(f"/resolve {number} 已处理完毕")
    # The confirmation, then what the public will read (see test_public_summary.py).
    assert resolved["text"].split("\n")[0] == f"#{number} 已办结，已请居民评价。"
    sent = await desk.outbox(RESIDENT_ID)
    assert [k for k, _ in sent] == [
        "ticket.status_changed", "ticket.staff_reply", "ticket.rate_request"
    ]  # fmt: skip
    assert sent[1][1]["message"] == "已联系物业\n今晚上门"
    assert "业主电话" not in str(sent)  # the note stays internal
    [again] = await desk.say(f"/accept {number}")
    assert again["text"] == f"工单 {number} 现在是「已办结，等待居民评价」，不能受理。"


async def test_resolving_a_ticket_not_yet_accepted_names_the_step_missed(desk: Desk) -> None:
    number = await desk.file()
    [refused] = await desk.say(f"/resolve {number} 已处理完毕")
    assert refused["text"] == (
        f"工单 {number} 现在是「待受理」，不能办结。请先受理：/accept {number}"
    )
    assert await desk.status(number) == "new"


async def test_accept_on_a_ticket_a_colleague_took_names_who_has_it(desk: Desk) -> None:
    number = await desk.file()
    card = dict(await desk.card(number))  # as one staff member's screen still shows it
    await desk.services.tickets.staff.accept(Actor(staff_support.STAFF_2_ID, STAFF_CHAT), number)
    [refused] = await desk.say(f"/accept {number}")
    taken = f"工单 {number} 已由 李社工 受理。要接手，请用 👥 分派 或 /assign。"
    assert refused["text"] == taken
    assert await desk.press(card, "✅ 受理") == taken  # the card's button says the same
    assert await desk.status(number) == "accepted"


async def test_after_forget_staff_are_told_the_resident_cannot_be_reached(desk: Desk) -> None:
    waiting, other, pressed = await desk.file(), await desk.file(), await desk.file()
    await desk.press(await desk.card(pressed), "✅ 受理")
    card = await desk.card_offering(pressed, "🏁 办结")
    await desk.say(f"/accept {waiting}")
    await desk.say(f"/resolve {waiting} 已处理完毕")  # awaiting the resident's rating
    await desk.services.privacy.forget(RESIDENT_ID, RESIDENT_ID, RESIDENT_ID)
    queued = await _queued(desk)

    gone = "居民已删除个人资料，无法再联系到他/她"
    [replied] = await desk.say(f"/reply {waiting} 请问还有问题吗")
    assert replied["text"] == f"#{waiting}：{gone}；答复已记入工单记录。"
    [rejected] = await desk.say(f"/reject {other} 不属于社区管理范围")
    assert rejected["text"].split("\n")[0] == f"#{other} 已不予受理。{gone}；原因已记入工单记录。"
    answer = await desk.press(card, "🏁 办结")
    assert answer == f"#{pressed} 已办结。{gone}，不会收到办结通知和评价邀请。"
    assert await _queued(desk) == queued  # nothing more for anyone but the staff chat
    [trail] = await desk.say(f"/ticket {waiting}")
    assert "请问还有问题吗" in trail["text"]  # the reply is on the record
    # The press is not followed by an offer to add a word or a photo for the resident.
    assert not [m for m in desk.api.sent_to(STAFF_CHAT) if f"🏁 #{pressed}" in text_of(m)]


async def test_staff_are_told_a_resident_who_blocked_linli_is_not_reached(desk: Desk) -> None:
    number = await desk.file()
    desk.api.block(RESIDENT_ID)
    await desk.say(f"/accept {number}")  # its news to the resident meets the block

    async def blocked() -> bool:
        async with desk.services.db.transaction() as session:
            active = await session.scalar(
                select(Resident.active).where(Resident.telegram_id == RESIDENT_ID)
            )
            return active is False

    for _ in range(100):
        if await blocked():
            break
        await asyncio.sleep(0.05)
    assert await blocked()
    [replied] = await desk.say(f"/reply {number} 明天上午师傅上门")
    assert replied["text"].startswith(f"#{number}：居民已屏蔽本机器人，消息发不到")
    desk.api.unblock(RESIDENT_ID)
    desk.api.send_text(desk.resident, "你好")  # writing again makes them reachable
    await desk.api.wait_for_message(RESIDENT_ID)
    [again] = await desk.say(f"/reply {number} 师傅改到下午")
    assert again["text"].startswith(f"#{number} 已答复")


async def test_an_enquiry_is_resolved_only_once_it_is_answered(desk: Desk) -> None:
    view = await desk.services.tickets.filing.file_enquiry(
        Actor.in_private(RESIDENT_ID), "楼下的流浪猫卡在通风口里了，该找谁？"
    )
    number = view.number
    await desk.press(await desk.card(number), "✅ 受理")
    [refused] = await desk.say(f"/resolve {number}")
    assert "还没有人答复" in refused["text"]
    answer = await desk.press(await desk.card_offering(number, "🏁 办结"), "🏁 办结")
    assert "还没有人答复" in answer
    assert await desk.status(number) == "accepted"
    [done] = await desk.say(f"/resolve {number} 已联系物业和志愿者，猫已救出")
    assert done["text"].startswith(f"#{number} 已办结")
    assert await desk.status(number) == "resolved"


async def test_an_enquiry_answered_by_reply_may_be_resolved_without_words(desk: Desk) -> None:
    view = await desk.services.tickets.filing.file_enquiry(
        Actor.in_private(RESIDENT_ID), "独生子女父母奖励金在哪里领？"
    )
    await desk.card(view.number)
    await desk.say(f"/accept {view.number}")
    await desk.say(f"/reply {view.number} 带户口本和身份证到街道社区服务中心办理")
    [done] = await desk.say(f"/resolve {view.number}")
    assert done["text"].startswith(f"#{view.number} 已办结")


async def _queued(desk: Desk) -> int:
    """Outbox messages to anyone but the staff chat."""
    async with desk.services.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.chat_id != STAFF_CHAT)
        )
        return len(list(rows))


async def test_reject_and_merge_commands(desk: Desk) -> None:
    first, second, third = await desk.file(), await desk.file(), await desk.file()
    [rejected] = await desk.say(f"/reject {first} 重复反映，已在处理")
    assert rejected["text"].split("\n")[0] == f"#{first} 已不予受理，已告知居民原因。"
    [merged] = await desk.say(f"/merge {second} {third}")
    assert merged["text"] == f"#{second} 已合并到 #{third}，居民会收到通知。"
    assert [await desk.status(n) for n in (first, second, third)] == ["rejected", "merged", "new"]


async def test_a_reason_the_resident_reads_must_say_something(desk: Desk) -> None:
    number = await desk.file()
    await desk.say(f"/accept {number}")
    for thin in ("👎", ".", "1", "ok"):
        [refused] = await desk.say(f"/reject {number} {thin}")
        assert refused["text"].startswith(f"工单 {number}：还没有执行。居民会看到这个理由")
        [refused] = await desk.say(f"/extend {number} +3 {thin}")
        assert refused["text"].startswith(f"工单 {number}：还没有执行。居民会看到这个理由")
    assert await desk.status(number) == "accepted"
    assert [k for k, _ in await desk.outbox(RESIDENT_ID)] == ["ticket.status_changed"]
    [rejected] = await desk.say(f"/reject {number} 太忙")  # two Chinese characters do
    assert rejected["text"].startswith(f"#{number} 已不予受理")


async def test_merge_into_a_number_that_does_not_exist_names_that_number(desk: Desk) -> None:
    number = await desk.file()
    missing = number[:5] + "9999"
    [refused] = await desk.say(f"/merge {number} {missing}")
    assert missing in refused["text"] and number not in refused["text"]
    assert await desk.status(number) == "new"


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


async def card_topic(desk: Desk, number: str) -> int:
    """The forum topic the delivery worker opened for the ticket's card."""

    async def recorded() -> int | None:
        ticket = await desk.services.tickets.staff.get_ticket_for_staff(
            Actor(STAFF_ID, STAFF_CHAT_ID), number
        )
        return ticket.staff_thread_id

    await desk.api.wait_for_call("createForumTopic")
    await desk.api.wait_for(
        lambda: any(f"#{number}" in text_of(m) for m in desk.api.sent_to(STAFF_CHAT))
    )
    topic = await recorded()
    assert topic is not None
    [card] = [m for m in desk.api.sent_to(STAFF_CHAT) if f"#{number}" in text_of(m)][:1]
    assert card["message_thread_id"] == topic  # the card itself went into the topic
    return topic


async def test_a_ticket_topic_needs_no_number(desk: Desk) -> None:
    desk.api.group(STAFF_CHAT, "社区工作人员", is_forum=True)
    number = await desk.file()
    topic = await card_topic(desk, number)
    [accepted] = await desk.say("/accept", message_thread_id=topic)
    assert accepted["text"] == f"#{number} 已受理，由你负责。"
    assert accepted["message_thread_id"] == topic
    await desk.say("/reply 明天去现场", message_thread_id=topic)
    assert (await desk.outbox(RESIDENT_ID))[-1][1] == {"number": number, "message": "明天去现场"}
    [shown] = await desk.say("/ticket", message_thread_id=topic)
    assert shown["text"].startswith(f"🎫 工单 #{number}")


async def test_plain_talk_in_a_ticket_topic_stays_in_the_staff_chat(desk: Desk) -> None:
    desk.api.group(STAFF_CHAT, "社区工作人员", is_forum=True)
    number = await desk.file()
    topic = await card_topic(desk, number)
    desk.api.send_text(desk.staff, "我下午过去看看", chat=desk.chat, message_thread_id=topic)
    [note] = await desk.say("/note 下午去现场", message_thread_id=topic)
    assert note["text"] == f"工单 {number} 的内部备注已记录（居民看不到）。"
    assert await desk.outbox(RESIDENT_ID) == []


async def test_the_worker_helper_opens_one_topic_per_ticket(desk: Desk) -> None:
    number = await desk.file()
    ticket = await desk.services.tickets.staff.get_ticket_for_staff(
        Actor(STAFF_ID, STAFF_CHAT_ID), number
    )
    params = {"ticket_id": ticket.id, "number": number, "category": "noise"}
    forums = ForumChats()
    async with make_bot(desk.api) as bot:
        tickets = desk.services.tickets
        assert await card_thread(bot, tickets, forums, STAFF_CHAT, params, "zh-Hans") is None
        desk.api.group(STAFF_CHAT, "社区工作人员", is_forum=True)
        forums = ForumChats()
        topic = await card_thread(bot, tickets, forums, STAFF_CHAT, params, "zh-Hans")
        again = await card_thread(bot, tickets, forums, STAFF_CHAT, params, "zh-Hans")
    assert topic is not None and again == topic
    [created] = [c for c in desk.api.calls("createForumTopic")]
    assert created.params["name"] == f"#{number} 噪音扰民"
    [shown] = await desk.say("/ticket", message_thread_id=topic)
    assert shown["text"].startswith(f"🎫 工单 #{number}")
