"""Canned replies (常用语) end to end, through the fake Bot API: the texts under the
"💬 答复" and "❌ 不予受理" prompts and under a resolve's follow-up, a press sending the filled
text to the resident, an admin's /canned_add showing under the next prompt, and refusals
(a staff member managing, bad input) changing nothing. Forged cn: buttons, pressed by
every role from every chat, are in tests/security/test_forged_callbacks.py."""

from __future__ import annotations

from typing import Any

from services.access import Actor
from tests.e2e.staff_support import (
    RESIDENT_ID,
    STAFF_CHAT,
    Desk,
    desk,
    find,
    text_of,
)
from tests.fakes.bot_api import button_labels

__all__ = ["desk"]  # the fixture

ADMIN_ID = 700009
DUE_TEXT = "已收到您反映的问题，我们将在{due}前处理完毕。"
DUE_ID = 2  # the bundled set's second text


async def _admin(desk: Desk) -> Any:
    await desk.services.residents.register(ADMIN_ID, ADMIN_ID, "赵管理员", "zh-hans")
    await desk.services.residents.grant_role(ADMIN_ID, "admin")
    return desk.api.user(ADMIN_ID, "赵管理员")


async def _due(desk: Desk, number: str) -> str:
    view = await desk.services.tickets.staff.get_ticket_for_staff(
        Actor(desk.staff["id"], STAFF_CHAT), number
    )
    return view.resolution_due_at.astimezone(desk.services.tickets.timezone).strftime(
        "%Y-%m-%d %H:%M"
    )


def _to_resident(desk: Desk, words: str) -> dict[str, Any] | None:
    found = [m for m in desk.api.sent_to(RESIDENT_ID) if words in text_of(m)]
    return found[-1] if found else None


async def test_a_canned_reply_pressed_under_the_prompt_reaches_the_resident(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "💬 答复")
    prompt = await desk.api.wait_for(lambda: find(desk, "💬 答复工单"))
    labels = button_labels(prompt)
    assert DUE_TEXT in labels and len(labels) == 3  # the bundled sample set's replies
    assert "也可以直接点下面的常用语" in text_of(prompt)
    answer = await desk.press(prompt, DUE_TEXT)
    assert answer == f"#{number} 已答复居民（以社区名义发送）。"
    filled = DUE_TEXT.replace("{due}", await _due(desk, number))
    told = await desk.api.wait_for(lambda: _to_resident(desk, filled))
    assert "{" not in text_of(told)
    # The prompt is answered: its buttons are gone and the next message is staff talk.
    await desk.api.wait_for(lambda: button_labels(find(desk, "💬 答复工单")) == [])
    desk.api.send_text(desk.staff, "好的", chat=desk.chat)
    await desk.say("/queue")
    replies = [k for k, _ in await desk.outbox(RESIDENT_ID) if k == "ticket.staff_reply"]
    assert len(replies) == 1


async def test_a_prompt_answered_by_typing_loses_its_canned_texts(desk: Desk) -> None:
    """Typed instead of picked: a press on a canned text left under the prompt would have
    sent the resident a second answer nobody meant."""
    number = await desk.file()
    await desk.press(await desk.card(number), "💬 答复")
    prompt = await desk.api.wait_for(lambda: find(desk, "💬 答复工单"))
    assert button_labels(prompt)
    desk.api.send_text(desk.staff, "我们马上安排人处理", chat=desk.chat)
    await desk.api.wait_for(lambda: _to_resident(desk, "我们马上安排人处理"))
    await desk.api.wait_for(lambda: button_labels(find(desk, "💬 答复工单")) == [])
    replies = [k for k, _ in await desk.outbox(RESIDENT_ID) if k == "ticket.staff_reply"]
    assert len(replies) == 1


async def test_a_canned_reason_under_the_reject_prompt_rejects(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    prompt = await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    reason = "该事项不属于本社区职责范围，建议您拨打12345市民服务热线反映。"
    assert reason in button_labels(prompt)
    assert await desk.press(prompt, reason) == f"#{number} 已不予受理，已告知居民原因。"
    await desk.api.wait_for(lambda: _to_resident(desk, reason))
    assert await desk.status(number) == "rejected"


async def test_a_cancelled_reject_prompt_rejects_nothing(desk: Desk) -> None:
    """/cancel takes the reasons' buttons away; a press that still comes (a stale client, a
    forged press) is refused, and the resident hears nothing."""
    number = await desk.file()
    await desk.press(await desk.card(number), "❌ 不予受理")
    prompt = await desk.api.wait_for(lambda: find(desk, "❌ 请写不予受理的原因"))
    reason = "该事项不属于本社区职责范围，建议您拨打12345市民服务热线反映。"
    [pick] = [
        b for row in prompt["reply_markup"]["inline_keyboard"] for b in row if b["text"] == reason
    ]
    [cancelled] = await desk.say("/cancel")
    assert cancelled["text"] == f"已取消，工单 {number} 没有变化。"
    await desk.api.wait_for(lambda: button_labels(find(desk, "❌ 请写不予受理的原因")) == [])
    # The old button pressed all the same, as a client that did not see the edit would.
    desk.api.world.messages[(STAFF_CHAT, prompt["message_id"])] = prompt
    answer = await desk.press(prompt, pick["text"])
    assert answer.startswith("这个提示已经结束（已回复、已取消或已过期），没有发送任何内容。")
    assert await desk.status(number) == "new"
    assert await desk.outbox(RESIDENT_ID) == []  # no reason, no status message


async def test_resolve_offers_the_resolve_texts_as_a_note(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "✅ 受理")
    await desk.press(await desk.card_offering(number, "🏁 办结"), "🏁 办结")
    followup = await desk.api.wait_for(lambda: find(desk, f"🏁 #{number} 已办结"))
    note = "{unit}已到现场处理，问题已解决。谢谢您的耐心等待。"
    assert note in button_labels(followup)
    await desk.press(followup, note)
    await desk.api.wait_for(lambda: _to_resident(desk, "社区服务中心已到现场处理"))
    assert await desk.status(number) == "resolved"


async def test_an_admin_adds_a_canned_reply_and_it_shows_under_the_next_prompt(
    desk: Desk,
) -> None:
    admin = await _admin(desk)
    [added] = await desk.say(
        "/canned_add reply noise 噪音问题已转{unit}，工单号{number}。", who=admin
    )
    assert added["text"].startswith("✅ 已添加常用语：\n#")
    number = await desk.file()
    await desk.press(await desk.card(number), "💬 答复")
    prompt = await desk.api.wait_for(lambda: find(desk, "💬 答复工单"))
    own = "噪音问题已转{unit}，工单号{number}。"
    assert button_labels(prompt)[0] == own  # the category's own text first
    await desk.press(prompt, own)
    await desk.api.wait_for(lambda: find(desk, f"#{number} 已答复居民"))  # said in the chat too
    await desk.api.wait_for(
        lambda: _to_resident(desk, f"噪音问题已转社区服务中心，工单号{number}。")
    )
    # /canned lists it; /canned_remove takes it away from the next prompt.
    [listed] = await desk.say("/canned", who=admin)
    assert own in listed["text"] and "（示例，请按本社区情况修改）" in listed["text"]
    canned_id = added["text"].split("#", 1)[1].split(" ", 1)[0]
    [removed] = await desk.say(f"/canned_remove {canned_id}", who=admin)
    assert removed["text"].startswith("🗑 已删除常用语")
    await desk.press(await desk.card(number), "💬 答复")
    await desk.api.wait_for(lambda: len(desk.api.sent_to(STAFF_CHAT)) > 0)
    later = await desk.api.wait_for(
        lambda: [m for m in desk.api.sent_to(STAFF_CHAT) if "💬 答复工单" in text_of(m)][1:]
    )
    assert own not in button_labels(later[-1])


async def test_bad_input_and_staff_are_refused_and_nothing_changes(desk: Desk) -> None:
    admin = await _admin(desk)
    before = await desk.services.tickets.canned.list_by_operator()
    [staff_try] = await desk.say("/canned_add reply * 好的")
    assert staff_try["text"] == "这个命令只有管理员可以使用。"
    [unknown] = await desk.say("/canned_add answer * 好的", who=admin)
    assert "没有「answer」这个动作" in unknown["text"]
    [placeholder] = await desk.say("/canned_add reply * 请于{foo}前答复", who=admin)
    assert "{foo}" in placeholder["text"] and "没有改动" in placeholder["text"]
    [brace] = await desk.say("/canned_add reply * 你好{", who=admin)
    assert brace["text"].startswith("内容里有单独的花括号。花括号只能用于占位符（例如 {number}）")
    assert "{{ 或 }}" in brace["text"] and "{}" not in brace["text"]
    [long] = await desk.say("/canned_add reply * " + "好" * 501, who=admin)
    assert long["text"] == "内容太长了，请写在 500 字以内。没有改动。"
    [category] = await desk.say("/canned_add reply nosuch 好的", who=admin)
    assert "没有这个类别编号" in category["text"]
    [usage] = await desk.say("/canned_add reply", who=admin)
    assert usage["text"].startswith("用法：/canned_add")
    [gone] = await desk.say("/canned_remove 999", who=admin)
    assert gone["text"].startswith("没有编号为 999 的常用语")
    assert await desk.services.tickets.canned.list_by_operator() == before


async def test_an_admin_manages_them_in_a_private_chat_too(desk: Desk) -> None:
    admin = await _admin(desk)
    desk.api.send_text(admin, "/canned_add 不予受理 * 已转交{unit}处理。", chat=None)
    [added] = await desk.api.wait_for_message(ADMIN_ID)
    assert added["text"].startswith(
        "✅ 已添加常用语：\n#9 [不予受理 · 全部类别] 已转交{unit}处理。"
    )
    listed = await desk.services.tickets.canned.list_by_operator()
    assert (listed[3].action, listed[3].text, listed[3].created_by) == (
        "reject",
        "已转交{unit}处理。",
        ADMIN_ID,
    )


async def test_staff_list_the_canned_replies_by_action_with_how_to_send_them(
    desk: Desk,
) -> None:
    admin = await _admin(desk)
    await desk.say("/canned_add reply noise 噪音问题已转{unit}。", who=admin)
    [listed] = await desk.say("/canned")
    text = listed["text"]
    assert text.startswith("📋 常用语（共 9 条）")
    # By action in the desk's order, each with how to send its texts, then by category.
    heads = ("💬 答复\n", "🏁 办结说明", "❌ 不予受理原因")
    reply, resolve, reject = (text.index(head) for head in heads)
    assert reply < resolve < reject
    assert "用法：点工单卡片上的「💬 答复」，再点提示下面的常用语。" in text
    noise, every = text.index("【噪音扰民】"), text.index("【全部类别】", reply)
    assert reply < noise < every < resolve  # the category's own before those for all
    assert "#9 噪音问题已转{unit}。" in text
    assert f"#{DUE_ID} {DUE_TEXT}（示例，请按本社区情况修改）" in text
    [same] = await desk.say("/canned list")
    assert same["text"] == text
    [usage] = await desk.say("/canned 9")
    assert usage["text"].startswith("用法：/canned（或 /canned list）查看常用语及用法。")


async def test_a_long_list_comes_in_messages_telegram_accepts(desk: Desk) -> None:
    admin = await _admin(desk)
    for n in range(12):
        await desk.services.tickets.canned.add(
            Actor.in_private(ADMIN_ID), "reply", "*", f"第{n}条：" + "请耐心等待。" * 80
        )
    parts = await desk.say("/canned", who=admin, count=2)
    assert all(len(p["text"].encode("utf-16-le")) // 2 <= 4096 for p in parts)
    joined = "\n".join(p["text"] for p in parts)
    assert all(f"第{n}条：" in joined for n in range(12))
    assert parts[-1]["text"].endswith("/canned_remove 编号 删除。")


async def test_with_none_in_use_staff_are_told_how_to_add_one(desk: Desk) -> None:
    for canned in await desk.services.tickets.canned.list_by_operator():
        await desk.services.tickets.canned.remove_by_operator(canned.id)
    [empty] = await desk.say("/canned")
    assert empty["text"].startswith("📋 目前还没有常用语。\n管理员可以这样添加一条：/canned_add")
    assert "{due}" in empty["text"]


async def test_residents_and_strangers_are_refused_the_list(desk: Desk) -> None:
    [resident] = await desk.say("/canned", who=desk.resident)
    assert resident["text"] == "这个操作只有社区工作人员可以使用。"
    stranger = desk.api.user(900001, "路人")
    [refused] = await desk.say("/canned", who=stranger)
    assert refused["text"] == "这个操作只有社区工作人员可以使用。"
    desk.api.send_text(desk.resident, "/canned", chat=None)
    [private] = await desk.api.wait_for_message(RESIDENT_ID)
    assert private["text"] == "这个操作只有社区工作人员可以使用。"
    assert "常用语" not in refused["text"]
    # Staff are sent to the desk, where the texts are picked.
    desk.api.send_text(desk.staff, "/canned", chat=None)
    [elsewhere] = await desk.api.wait_for_message(desk.staff["id"])
    assert elsewhere["text"] == "请在工作人员群里使用这个命令。"
