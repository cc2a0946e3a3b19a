"""Bans end to end: staff /ban a resident in the staff chat, the resident's next question is
refused (told once an hour), their ticket goes on, /unban, and they are answered again."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from time import perf_counter

from sqlalchemy import select

from services.access import Actor
from storage.models import ResidentBan
from tests.e2e.staff_support import (
    NOISE,
    RESIDENT_ID,
    STAFF_2_ID,
    STAFF_CHAT,
    STAFF_ID,
    Desk,
    desk,
    text_of,
)
from tests.services.conftest import record_phone_call

__all__ = ["desk"]  # the fixture

QUESTION = "低保怎么申请"
ANSWER_START = "【最低生活保障"
REFUSAL_START = "抱歉，你暂时不能在这里提问或提交新的投诉。"


async def ask(desk: Desk, text: str = QUESTION) -> str:
    """The resident writes; returns linli's one answer."""
    desk.api.send_text(desk.resident, text)
    [answer] = await desk.api.wait_for_message(RESIDENT_ID)
    return text_of(answer)


async def test_ban_refuses_questions_until_unban(desk: Desk) -> None:
    number = await desk.file()
    assert (await ask(desk)).startswith(ANSWER_START)

    [banned] = await desk.say(f"/ban {RESIDENT_ID} 多次辱骂工作人员")
    assert banned["text"] == (
        f"🚫 已禁止：小王（ID {RESIDENT_ID}）\n"
        "对方不能再提问、投诉或补充工单，已有的工单照常处理。\n"
        "原因：多次辱骂工作人员（居民看不到）\n"
        f"解除：/unban {RESIDENT_ID}"
    )
    refusal = await ask(desk)
    assert refusal.startswith(REFUSAL_START)
    assert "需要找人的话" in refusal and "辱骂" not in refusal  # the way to a person

    # Told once: the next question within the hour gets no answer at all. (One chat's
    # updates are handled in order, so /help's answer comes after the question was handled.)
    before = perf_counter()
    desk.api.send_text(desk.resident, QUESTION)
    desk.api.send_text(desk.resident, "/complain")
    desk.api.send_text(desk.resident, "/help")
    [only] = await desk.api.wait_for_message(RESIDENT_ID, since=before)
    assert not text_of(only).startswith((REFUSAL_START, ANSWER_START))
    assert text_of(only) == text_of(desk.api.last_message(RESIDENT_ID) or {})
    desk.clock.now += timedelta(minutes=61)
    assert (await ask(desk)).startswith(REFUSAL_START)  # an hour on: told again

    # Their ticket goes on: staff accept it and the resident is told.
    await desk.say(f"/accept {number}")
    assert "ticket.status_changed" in [key for key, _ in await desk.outbox(RESIDENT_ID)]

    [listed] = await desk.say("/banned")
    assert listed["text"].split("\n") == [
        "🚫 目前被禁止的居民（共 1 位）",
        f"小王（ID {RESIDENT_ID}）：11月2日 10:00 由 张社工 禁止，原因：多次辱骂工作人员",
    ]

    [lifted] = await desk.say(f"/unban {RESIDENT_ID}", who=desk.api.user(STAFF_2_ID, "李社工"))
    assert lifted["text"] == f"✅ 已解除禁止：小王（ID {RESIDENT_ID}）\n对方可以正常提问和投诉了。"
    assert (await ask(desk)).startswith(ANSWER_START)

    async with desk.services.db.transaction() as session:
        [row] = list(await session.scalars(select(ResidentBan)))
    assert (row.banned_by, row.reason, row.lifted_by) == (STAFF_ID, "多次辱骂工作人员", STAFF_2_ID)
    assert row.lifted_at is not None and row.lifted_at > row.banned_at


async def test_ban_through_a_ticket_number_is_in_its_trail(desk: Desk) -> None:
    number = await desk.file()
    [banned] = await desk.say(f"/ban {number} 恶意重复投诉")
    assert banned["text"].startswith(f"🚫 已禁止：小王（ID {RESIDENT_ID}）\n")
    assert banned["text"].endswith(f"解除：/unban {number}")
    [shown] = await desk.say(f"/ticket {number}")
    assert "张社工 禁止该居民提问和投诉" in shown["text"]
    assert "📝 恶意重复投诉" in shown["text"]
    assert (await ask(desk)).startswith(REFUSAL_START)
    [lifted] = await desk.say(f"/unban #{number}")
    assert lifted["text"].startswith("✅ 已解除禁止：小王")
    [shown] = await desk.say(f"/ticket {number}")
    assert "张社工 解除了对该居民的禁止" in shown["text"]


async def test_wrong_ban_commands_change_nothing(desk: Desk) -> None:
    usage = "用法：/ban 居民的Telegram数字ID或工单号（如 2611-0042） [原因]"
    for typed in ("/ban", "/ban 小王", "/ban 123456789012345678901", "/ban ２００００１"):
        [answer] = await desk.say(typed)
        assert answer["text"].startswith(usage), typed
    [answer] = await desk.say(f"/unban {RESIDENT_ID} 多余的话")
    assert answer["text"] == "用法：/unban 居民的Telegram数字ID或工单号（如 2611-0042）"
    [answer] = await desk.say(f"/ban {STAFF_2_ID}")
    assert answer["text"].startswith(f"不能禁止社区工作人员、领导或管理员：ID {STAFF_2_ID}\n")
    [answer] = await desk.say("/ban 99999")
    assert answer["text"] == "没有找到 ID 为 99999 的居民（对方还没有给邻里发过消息）。"
    [answer] = await desk.say("/ban 2611-9999")
    assert "2611-9999" in answer["text"]
    [answer] = await desk.say(f"/unban {RESIDENT_ID}")
    assert answer["text"] == f"没有改动，这位居民目前没有被禁止：ID {RESIDENT_ID}"
    [answer] = await desk.say(f"/ban {RESIDENT_ID} {'长' * 501}")
    assert answer["text"] == "原因太长了，请写在 500 字以内。"
    [answer] = await desk.say("/banned")
    assert answer["text"] == "目前没有被禁止的居民。"

    await desk.say(f"/ban {RESIDENT_ID} 第一次")
    [again] = await desk.say(f"/ban {RESIDENT_ID} 第二次")
    assert again["text"] == (
        f"已经禁止过了，没有改动：ID {RESIDENT_ID}\n11月2日 10:00 由 张社工 禁止，原因：第一次"
    )

    # Outside the staff chat: a resident is not staff; staff are sent to the staff chat.
    desk.api.send_text(desk.resident, f"/unban {RESIDENT_ID}")
    [refused] = await desk.api.wait_for_message(RESIDENT_ID)
    assert text_of(refused) == "这个操作只有社区工作人员可以使用。"
    desk.api.send_text(desk.staff, f"/unban {RESIDENT_ID}")
    [elsewhere] = await desk.api.wait_for_message(STAFF_ID)
    assert "工作人员群" in text_of(elsewhere)
    async with desk.services.db.transaction() as session:
        rows = list(await session.scalars(select(ResidentBan)))
    assert [(r.reason, r.lifted_at) for r in rows] == [("第一次", None)]
    assert STAFF_CHAT < 0


async def test_ban_through_an_anonymous_ticket_keeps_the_filer_anonymous(desk: Desk) -> None:
    number = await desk.file(replace(NOISE, anonymous=True, phone=None))
    [banned] = await desk.say(f"/ban {number} 恶意投诉")
    assert banned["text"].startswith(f"🚫 已禁止：工单 #{number} 的匿名提交人\n")
    [listed] = await desk.say("/banned")
    assert listed["text"].split("\n")[1] == (
        f"工单 #{number} 的匿名提交人：11月2日 10:00 由 张社工 禁止，原因：恶意投诉"
    )
    assert str(RESIDENT_ID) not in listed["text"] and "小王" not in listed["text"]
    assert (await ask(desk)).startswith(REFUSAL_START)


async def test_a_complaint_begun_before_the_ban_is_dropped(desk: Desk) -> None:
    desk.api.send_text(desk.resident, "/complain")
    [asked] = await desk.api.wait_for_message(RESIDENT_ID)
    assert "请选一个类别" in text_of(asked)
    await desk.say(f"/ban {RESIDENT_ID}")
    # What would have been the next step of the draft is refused like any message.
    assert (await ask(desk, "楼上每天晚上装修，电钻声音很大")).startswith(REFUSAL_START)
    assert await desk.services.tickets.filing.get_draft(Actor.in_private(RESIDENT_ID)) is None


async def test_a_ban_through_a_recorded_ticket_says_there_is_nobody_behind_it(
    desk: Desk,
) -> None:
    number = await record_phone_call(desk.services.tickets, STAFF_ID)
    await desk.card(number)  # its card reaches the staff chat first
    [answer] = await desk.say(f"/ban {number} 骚扰")
    assert text_of(answer) == (
        f"工单 {number} 是工作人员代录的（电话、来访、来信等），"
        "背后没有邻里里的居民账号，无法禁止。"
    )
    assert await desk.services.bans.list_banned(Actor(STAFF_ID, STAFF_CHAT)) == ()
