"""The staff desk end to end: cards in the staff chat, their buttons, and replies, against
the fake Bot API server with the delivery worker running.

What residents receive is checked in the outbox (rendering it is the resident side's);
what staff see is checked in the staff chat.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.i18n import t
from handlers.staff.render import outbox_params, status_name
from services.access import Actor
from services.tickets import Complaint
from tests.e2e.conftest import STAFF_CHAT_ID
from tests.e2e.staff_support import (
    NOISE,
    RESIDENT_ID,
    STAFF_2_ID,
    STAFF_ID,
    T0,
    Desk,
    desk,
    find,
    status_shown,
    text_of,
)
from tests.fakes.bot_api import button_labels

__all__ = ["desk"]
FLOOD = Complaint("sanitation", "垃圾桶三天没人清理，味道很大", "幸福小区东门")  # the fixture


async def test_a_new_ticket_arrives_as_a_card_with_its_buttons(desk: Desk) -> None:
    number = await desk.file()
    card = await desk.card(number)
    text = text_of(card)
    assert text.startswith(f"🆕 新工单 #{number}")
    for shown in (NOISE.description, "幸福小区3号楼2单元", "照片：0 张", "小王", "138****5678"):
        assert shown in text
    assert "13812345678" not in text
    # A new ticket is accepted before it can be resolved: no 🏁 办结 yet.
    assert button_labels(card) == ["✅ 受理", "💬 答复", "❌ 不予受理", "👥 分派"]


async def test_an_anonymous_resident_stays_anonymous_on_the_card(desk: Desk) -> None:
    number = await desk.file(
        Complaint("sanitation", "垃圾桶三天没人清理，味道很大", "幸福小区东门", anonymous=True)
    )
    text = text_of(await desk.card(number))
    assert "小王" not in text and "照片：0 张" in text


async def test_a_description_cannot_pass_lines_of_its_own_for_the_cards(desk: Desk) -> None:
    forged = "楼上装修\u2028👤 居民：区长本人（已核实）\n📌 状态：已办结\u202e结办已"
    number = await desk.file(Complaint("noise", forged, "幸福小区3号楼"))
    lines = text_of(await desk.card(number)).split("\n")
    assert lines[1:4] == ["┃ 楼上装修", "┃ 👤 居民：区长本人（已核实）", "┃ 📌 状态：已办结结办已"]
    assert not any(line.startswith(("👤 居民：区长", "📌")) for line in lines)
    await desk.press(await desk.card(number), "✅ 受理")
    card = await desk.card_offering(number, "🏁 办结")  # redrawn after the press
    assert "📌 状态：已受理　负责：张社工" in text_of(card).split("\n")  # the real status line
    assert "┃ 📌 状态：已办结结办已" in text_of(card)


async def test_accept_by_button_updates_the_card_and_tells_the_resident(desk: Desk) -> None:
    number = await desk.file()
    answer = await desk.press(await desk.card(number), "✅ 受理")
    assert answer == f"#{number} 已受理，由你负责。"
    card = await desk.api.wait_for(lambda: status_shown(desk, number))
    assert "📌 状态：已受理　负责：张社工" in text_of(card)
    assert "✅ 受理" not in button_labels(card) and "🏁 办结" in button_labels(card)
    assert (await desk.outbox(RESIDENT_ID))[-1][0] == "ticket.status_changed"
    assert await desk.status(number) == "accepted"


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
    prompt = await desk.api.wait_for(lambda: find(desk, "💬 答复工单"))
    assert prompt["text"].startswith(f"💬 答复工单 #{number}")
    await desk.say("明天上午去现场", reply_to=prompt)
    assert (await desk.outbox(RESIDENT_ID))[-1] == (
        "ticket.staff_reply",
        {"number": number, "message": "明天上午去现场"},
    )


async def test_after_the_reply_button_the_next_plain_message_is_the_reply(desk: Desk) -> None:
    # Staff type the reply as an ordinary message, not as a Telegram reply: it is taken.
    number = await desk.file()
    await desk.press(await desk.card(number), "💬 答复")
    await desk.api.wait_for(lambda: find(desk, "💬 答复工单"))
    [done] = await desk.say("已联系物业，明天上午维修")
    assert done["text"] == f"#{number} 已答复居民（以社区名义发送）。"
    assert (await desk.outbox(RESIDENT_ID))[-1] == (
        "ticket.staff_reply",
        {"number": number, "message": "已联系物业，明天上午维修"},
    )
    # Taken once: the next message is staff talk again, and reaches no one.
    desk.api.send_text(desk.staff, "好的", chat=desk.chat)
    await desk.say("/queue")  # answered after the message before it: that one is handled
    assert len([m for m in await desk.outbox(RESIDENT_ID) if m[0] == "ticket.staff_reply"]) == 1


async def test_the_reply_prompt_has_a_way_out(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "💬 答复")
    await desk.api.wait_for(lambda: find(desk, "💬 答复工单"))
    [cancelled] = await desk.say("/cancel")
    assert cancelled["text"] == f"已取消答复，工单 {number} 没有变化。"
    desk.api.send_text(desk.staff, "这个先不回了", chat=desk.chat)
    await desk.say("/queue")
    assert not [m for m in await desk.outbox(RESIDENT_ID) if m[0] == "ticket.staff_reply"]


async def test_reject_by_button_takes_the_next_message_as_the_reason(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    [done] = await desk.say("属于物业合同纠纷，请向法院起诉")
    assert done["text"].split("\n")[0] == f"#{number} 已不予受理，已告知居民原因。"
    assert (await desk.outbox(RESIDENT_ID))[-1] == (
        "ticket.rejected",
        {"number": number, "reason": "属于物业合同纠纷，请向法院起诉"},
    )
    # The next message is staff talk again.
    events = await desk.events()
    desk.api.send_text(desk.staff, "大家辛苦了", chat=desk.chat)
    [answer] = await desk.say("/queue")
    assert answer["text"] == "📋 没有待办工单。" and await desk.events() == events


async def test_a_reason_too_thin_keeps_the_prompt_open_for_the_next_try(desk: Desk) -> None:
    # Found by an exploratory run: "ok" was refused and closed the prompt, so the proper
    # reason typed next went nowhere and the ticket stayed accepted.
    number = await desk.file()
    await desk.press(await desk.card(number), "✅ 受理")
    await desk.press(await desk.card_offering(number, "❌ 不予受理"), "❌ 不予受理")
    await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    [refused] = await desk.say("ok")
    assert refused["text"].startswith(f"工单 {number}：还没有执行。居民会看到这个理由")
    assert refused["text"].endswith("请直接再发一次，或发 /cancel 放弃。")
    assert await desk.status(number) == "accepted"
    [done] = await desk.say("该问题已转交环卫所处理，预计本周内清运。")
    assert done["text"].split("\n")[0] == f"#{number} 已不予受理，已告知居民原因。"
    assert await desk.status(number) == "rejected"
    # Taken once the reason was good: the next message is staff talk again.
    [nothing] = await desk.say("/cancel")
    assert nothing["text"] == "没有正在进行的操作。"


async def test_a_reject_prompt_can_be_cancelled(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    [cancelled] = await desk.say("/cancel")
    assert cancelled["text"] == f"已取消，工单 {number} 没有变化。"
    desk.api.send_text(desk.staff, "这个我明天再看", chat=desk.chat)
    [nothing] = await desk.say("/cancel")
    assert nothing["text"] == "没有正在进行的操作。"
    assert await desk.status(number) == "new"


async def test_another_command_drops_the_reject_prompt(desk: Desk) -> None:
    # Otherwise the next bit of staff talk would reach the resident as a rejection reason.
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    dropped, queue = await desk.say("/queue", count=2)
    assert dropped["text"].startswith(f"工单 {number} 的不予受理已放下")
    assert queue["text"].startswith("📋")
    events = await desk.events()
    desk.api.send_text(desk.staff, "这个是不是上周那个？", chat=desk.chat)
    [nothing] = await desk.say("/cancel")
    assert nothing["text"] == "没有正在进行的操作。"
    assert await desk.status(number) == "new" and await desk.events() == events
    assert "ticket.rejected" not in [key for key, _ in await desk.outbox(RESIDENT_ID)]


async def test_resolve_by_button_then_a_note_for_the_resident(desk: Desk) -> None:
    number = await desk.file()
    card = await desk.card(number)
    await desk.press(card, "✅ 受理")
    card = await desk.card_offering(number, "🏁 办结")
    assert await desk.press(card, "🏁 办结") == f"#{number} 已办结，已请居民评价。"
    followup = await desk.api.wait_for(lambda: find(desk, "🏁 #"))
    assert await desk.status(number) == "resolved"
    assert (await desk.outbox(RESIDENT_ID))[-1][0] == "ticket.rate_request"
    await desk.say("施工方已承诺晚上八点后停工", reply_to=followup)
    assert (await desk.outbox(RESIDENT_ID))[-1][1]["message"] == "施工方已承诺晚上八点后停工"


async def test_assign_lists_the_staff_and_assigns(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "👥 分派")
    choices = await desk.api.wait_for(lambda: find(desk, f"把工单 #{number}"))
    assert sorted(button_labels(choices)) == ["张社工", "李社工"]
    assert await desk.press(choices, "李社工") == f"#{number} 已分派给 李社工。"
    view = await desk.services.tickets.staff.get_ticket_for_staff(
        Actor(STAFF_ID, STAFF_CHAT_ID), number
    )
    assert view.assignee_telegram_id == STAFF_2_ID
    assert (await desk.outbox(STAFF_2_ID))[-1][0] == "staff.assigned"
    assert "负责：李社工" in text_of(await desk.card(number))


async def test_the_assign_list_names_staff_without_a_name_by_their_id(desk: Desk) -> None:
    await desk.services.residents.grant_role(700077, "staff")  # never wrote to linli
    number = await desk.file()
    await desk.press(await desk.card(number), "👥 分派")
    choices = await desk.api.wait_for(lambda: find(desk, f"把工单 #{number}"))
    assert sorted(button_labels(choices)) == ["ID 700077", "张社工", "李社工"]


async def test_a_follow_up_reaches_the_staff_chat_and_can_be_answered(desk: Desk) -> None:
    number = await desk.file()
    await desk.services.tickets.resident.followup(
        Actor.in_private(RESIDENT_ID), number, "今晚又开始了，十一点半还在钻"
    )
    followup = await desk.api.wait_for(lambda: find(desk, f"💬 工单 #{number}"))
    assert "十一点半还在钻" in followup["text"]
    await desk.say("收到，马上联系物业", reply_to=followup)
    assert (await desk.outbox(RESIDENT_ID))[-1][1]["message"] == "收到，马上联系物业"


async def test_staff_talk_in_the_staff_chat_gets_no_answer(desk: Desk) -> None:
    number = await desk.file()
    desk.api.send_text(desk.staff, "低保怎么申请", chat=desk.chat)
    [answer] = await desk.say(f"/ticket {number}")  # the only answer is to the command
    assert answer["text"].startswith("🎫")


async def test_a_card_with_a_photo_keeps_its_photo_and_shows_the_status(desk: Desk) -> None:
    sent = desk.api.send_photo(desk.resident)
    photo = sent["photo"][-1]["file_id"]
    number = await desk.file(
        Complaint("sanitation", "小区门口垃圾堆了三天没人清", "幸福小区东门", photos=(photo,))
    )
    card = await desk.card(number)
    assert card["photo"] and "照片：1 张" in card["caption"]
    await desk.press(card, "✅ 受理")
    card = await desk.api.wait_for(lambda: status_shown(desk, number))
    assert card["photo"] and "📌 状态：已受理" in card["caption"]


async def test_another_staff_member_can_answer_a_reject_prompt(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    prompt = await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    colleague = desk.api.world.users[STAFF_2_ID]
    [done] = await desk.say("不属于社区职责范围", who=colleague, reply_to=prompt)
    assert done["text"].split("\n")[0] == f"#{number} 已不予受理，已告知居民原因。"
    assert await desk.status(number) == "rejected"


async def test_a_reply_to_a_list_asks_which_ticket(desk: Desk) -> None:
    await desk.file()
    [queue] = await desk.say("/queue")
    [answer] = await desk.say("这个谁跟一下", reply_to=queue)
    assert answer["text"].startswith("不知道是哪个工单")
    assert [k for k, _ in await desk.outbox(RESIDENT_ID)] == []


def test_the_worker_hook_makes_staff_messages_readable() -> None:
    raw = {
        "ticket_id": 7, "number": "2611-0007", "category": "noise", "description": "夜间施工",
        "location": "", "latitude": 31.23, "longitude": 121.47, "resident": "",
        "anonymous": True, "phone": "", "photo_count": 2, "created_at": T0.isoformat(),
        "response_due_at": (T0 + timedelta(hours=4)).isoformat(),
        "resolution_due_at": (T0 + timedelta(days=2)).isoformat(),
    }  # fmt: skip
    zh = t("zh-Hans", "staff.card", **outbox_params("staff.card", "zh-Hans", raw))
    for shown in ("#2611-0007 · 噪音扰民", "定位 31.23000, 121.47000", "居民：匿名", "电话：未留"):
        assert shown in zh
    assert "提交：11月2日 10:00" in zh and "办结期限：11月4日 10:00" in zh  # Shanghai time
    en = t("en", "staff.card", **outbox_params("staff.card", "en", raw))
    assert "· Noise" in en and "Filed: 2 Nov 10:00" in en and "Resident: anonymous" in en
    # Queued before the words came apart from the rating, a reopening carried a comment.
    for reopened in (
        {"ticket_id": 7, "number": "2611-0007", "score": 2},
        {"ticket_id": 7, "number": "2611-0007", "score": 2, "comment": "还是很吵"},
    ):
        shown = t(
            "zh-Hans", "staff.reopened", **outbox_params("staff.reopened", "zh-Hans", reopened)
        )
        assert "评分 2/5" in shown and "{" not in shown
    other = {"number": "2611-0007", "message": "你好"}
    assert outbox_params("ticket.staff_reply", "zh-Hans", other) == other


async def test_staff_appear_by_name_or_as_the_assign_list_shows_them(desk: Desk) -> None:
    newcomer, named = 700098, 700099  # added on the command line, never wrote to linli
    await desk.services.residents.grant_role(newcomer, "staff")
    await desk.services.residents.grant_role(named, "staff", name="赵社工")
    number = await desk.file()
    [unnamed] = await desk.say(f"/assign {number} {newcomer}")
    assert unnamed["text"] == f"#{number} 已分派给 工作人员（ID {newcomer}，未登记姓名）。"
    [by_name] = await desk.say(f"/assign {number} {named}")
    assert by_name["text"] == f"#{number} 已分派给 赵社工。"
    # Once the newcomer writes in the staff chat, their Telegram name is what staff read.
    desk.api.user(newcomer, "钱社工")
    desk.api.send_text(desk.api.world.users[newcomer], "大家好", chat=desk.chat)
    [again] = await desk.say(f"/assign {number} {newcomer}")
    assert again["text"] == f"#{number} 已分派给 钱社工。"


async def test_a_photo_replied_to_the_resolve_note_reaches_the_resident(desk: Desk) -> None:
    number = await desk.file()
    card = await desk.card(number)
    await desk.press(card, "✅ 受理")
    await desk.press(await desk.card_offering(number, "🏁 办结"), "🏁 办结")
    followup = await desk.api.wait_for(lambda: find(desk, f"🏁 #{number} 已办结"))
    assert "完工照片" in followup["text"]
    desk.api.send_photo(desk.staff, caption="楼道灯已换新", chat=desk.chat, reply_to=followup)
    [done] = await desk.api.wait_for_message(STAFF_CHAT_ID)
    assert done["text"] == f"#{number} 的照片已发给居民。"
    photo = await desk.api.wait_for(
        lambda: next((m for m in desk.api.sent_to(RESIDENT_ID) if m.get("photo")), None)
    )
    assert photo["caption"] == f"📷 社区工作人员为你的工单 {number} 发来照片。\n楼道灯已换新"
    events = (
        await desk.services.tickets.staff.get_ticket_for_staff(
            Actor(STAFF_ID, STAFF_CHAT_ID), number
        )
    ).events
    assert [e.kind for e in events][-1] == "reply"


async def test_a_typed_reject_reason_brings_the_card_up_to_date(desk: Desk) -> None:
    """As after a press: the card shows the new status, and buttons no status allows go."""
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    await desk.say("属于物业合同纠纷，请向法院起诉")
    card = await desk.api.wait_for(lambda: status_shown(desk, number))
    assert await desk.status(number) == "rejected"
    assert f"📌 状态：{status_name('zh-Hans', 'rejected')}" in text_of(card)
    assert not button_labels(card)


async def test_a_reply_typed_to_the_prompt_or_the_card_shows_on_the_card(desk: Desk) -> None:
    prompted, replied = await desk.file(), await desk.file(FLOOD)
    await desk.press(await desk.card(prompted), "💬 答复")
    prompt = await desk.api.wait_for(lambda: find(desk, "💬 答复工单"))
    await desk.say("明天上午去现场", reply_to=prompt)
    await desk.say("已联系物业，今晚上门查看", reply_to=await desk.card(replied))
    for number in (prompted, replied):
        card = await desk.api.wait_for(lambda n=number: status_shown(desk, n))
        status = status_name("zh-Hans", await desk.status(number))
        assert f"📌 状态：{status}" in text_of(card), text_of(card)
        assert "💬 答复" in button_labels(card)


async def test_a_reply_to_a_follow_up_leaves_the_follow_up_as_it_was(desk: Desk) -> None:
    """Only a card shows the status: a resident's follow-up, answered, stays a follow-up."""
    number = await desk.file()
    await desk.services.tickets.resident.followup(
        Actor.in_private(RESIDENT_ID), number, "今晚又开始了，十一点半还在钻"
    )
    followup = await desk.api.wait_for(lambda: find(desk, f"💬 工单 #{number}"))
    await desk.say("收到，马上联系物业", reply_to=followup)
    await desk.say("/queue")  # answered after the reply before it: that one is done
    [shown] = [
        m for m in desk.api.sent_to(STAFF_CHAT_ID) if m["message_id"] == followup["message_id"]
    ]
    assert "📌" not in text_of(shown) and not button_labels(shown)


async def test_data_no_button_shows_cannot_turn_a_card_into_something_else(desk: Desk) -> None:
    """A modified client can send any data with a press: a menu's, a subscription's or a
    privacy choice's on a ticket card would have edited the card away. Refused before any
    handler runs; the card stays as it was."""
    number = await desk.file()
    card = await desk.card(number)
    outsider = desk.api.user(300003, "路人")
    for data in ("menu", "cat:x", "lang:en", "sub:done", "pv:keep", "cp:new", "tk:accept:999"):
        query = desk.api.press_unshown(outsider, card, data)
        await desk.api.wait_for(lambda q=query: desk.api.callback_answer(q) is not None)
        answer = desk.api.callback_answer(query) or {}
        assert answer.get("text") == t("zh-Hans", "stale_button"), data
    await desk.say("/queue")  # after the presses: each one is handled
    assert await desk.card(number) == card
    assert await desk.status(number) == "new"


async def test_filing_buttons_in_a_group_are_refused_there(desk: Desk) -> None:
    """Filing asks for a phone number: it happens in a private chat. A complaint or "ask a
    person" button pressed in a group (forwarded, or forged onto a message) starts nothing."""
    number = await desk.file()
    card = await desk.card(number)
    outsider = desk.api.user(300003, "路人")
    for data in ("cp:new", "cp:cat:noise", "ask:1"):
        shown = {
            **card,
            "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": data}]]},
        }
        desk.api.world.messages[(STAFF_CHAT_ID, card["message_id"])] = shown
        query = desk.api.press_button(outsider, shown, label="x")
        await desk.api.wait_for(lambda q=query: desk.api.callback_answer(q) is not None)
        assert (desk.api.callback_answer(query) or {}).get("text") == t(
            "zh-Hans", "filing.private_only"
        ), data
    assert await desk.services.tickets.filing.get_draft(Actor.in_private(300003)) is None
    assert [
        m["text"] for m in desk.api.sent_to(STAFF_CHAT_ID) if "类别" in (m.get("text") or "")
    ] == []
