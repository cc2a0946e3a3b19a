"""Extensions and pauses end to end, through the fake Bot API: staff /extend in the staff
chat, the official approves with the button linli sent them privately, the resident is told
and the due time moves; /pause tells the resident what is needed, and their answer resumes
the clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from services.access import Actor
from services.workdays.worktime import WorkCalendar
from tests.e2e.staff_support import RESIDENT_ID, STAFF_CHAT, STAFF_ID, Desk, desk, text_of

__all__ = ["desk"]  # the fixture

OFFICIAL_ID = 700009
DESK = Actor(STAFF_ID, STAFF_CHAT)
# Friday 6 November 2026, 17:30 in Shanghai.
FRIDAY_EVENING = datetime(2026, 11, 6, 9, 30, tzinfo=UTC)
ONLY_OFFICIALS = "只有领导（official 或 admin）可以审批延期。"


async def _official(desk: Desk) -> dict[str, Any]:
    residents = desk.services.residents
    await residents.register(OFFICIAL_ID, OFFICIAL_ID, "刘主任", "zh-hans")
    await residents.grant_role(OFFICIAL_ID, "official")
    return desk.api.user(OFFICIAL_ID, "刘主任")


async def _message(desk: Desk, chat_id: int, part: str) -> dict[str, Any]:
    """The latest message linli sent to ``chat_id`` containing ``part`` (waits for it)."""

    def found() -> dict[str, Any] | None:
        matches = [m for m in desk.api.sent_to(chat_id) if part in text_of(m)]
        return matches[-1] if matches else None

    return await desk.api.wait_for(found)


async def test_an_official_approves_an_extension_and_the_resident_is_told(desk: Desk) -> None:
    official = await _official(desk)
    number = await desk.file()
    await desk.say(f"/accept {number}")

    [bad] = await desk.say(f"/extend {number} 明天 需要等物业")
    assert bad["text"].startswith("看不懂新的办结期限")
    [early] = await desk.say(f"/extend {number} 11月3日 12:00 需要等物业")
    assert early["text"] == f"工单 {number}：新的期限必须晚于现在的办结期限 11月4日 10:00。"
    [saturday] = await desk.say(f"/extend {number} 11月7日 需要等物业")  # a Saturday
    assert saturday["text"] == (
        f"工单 {number}：11月7日不是工作日（周末或节假日），办结期限要落在工作日。"
        "可以改成 11月9日 17:30，或者写 +N（顺延 N 个工作日）。"
    )

    [asked] = await desk.say(f"/extend {number} 11月6日 17:30 物业要调取监控录像，需要三个工作日")
    assert asked["text"] == (
        f"#{number} 延期申请已提交：办结期限 11月4日 10:00 → 11月6日 17:30，已发给 1 位领导审批。"
    )
    [again] = await desk.say(f"/extend {number} +5 还要更久")
    assert again["text"] == f"工单 {number} 已有一个延期申请在等领导审批，审批后才能再申请。"

    request = await _message(desk, OFFICIAL_ID, f"延期申请 #{number}")
    assert "申请人：张社工" in text_of(request) and "申请延至：11月6日 17:30" in text_of(request)
    # A staff member cannot decide it, even with the official's button in hand.
    refused = await desk.press(request, "✅ 批准", who=desk.staff)
    assert refused == ONLY_OFFICIALS
    approved = await desk.press(request, "✅ 批准", who=official)
    assert approved == f"已批准：工单 {number} 的办结期限延至 11月6日 17:30。"

    told = await _message(desk, RESIDENT_ID, "预计办结时间调整为")
    assert text_of(told) == (
        f"关于你反映的问题（工单 {number}）：\n物业要调取监控录像，需要三个工作日\n"
        "因此需要多一些时间办理，预计办结时间调整为 11月6日 17:30 前。给你带来不便，敬请谅解。"
    )
    view = await desk.services.tickets.staff.get_ticket_for_staff(DESK, number)
    assert view.resolution_due_at == FRIDAY_EVENING
    heard = await _message(desk, STAFF_CHAT, f"✅ #{number} 延期已批准")
    assert "11月4日 10:00 → 11月6日 17:30" in text_of(heard)
    [trail] = await desk.say(f"/ticket {number}")
    assert "张社工 申请延期" in trail["text"] and "刘主任 批准延期" in trail["text"]


async def test_a_pause_waits_for_the_resident_whose_answer_resumes_the_clock(
    desk: Desk,
) -> None:
    number = await desk.file()
    await desk.say(f"/accept {number}")
    [paused] = await desk.say(f"/pause {number} 请告诉我们具体是几楼几号在装修")
    assert paused["text"].startswith(f"#{number} 已挂起，等待居民补充")
    [twice] = await desk.say(f"/pause {number} 再问一次")
    assert twice["text"] == f"工单 {number} 已经在等待居民补充了。"
    [queue] = await desk.say("/queue")
    assert "⏸ 等待居民补充" in queue["text"]

    asked = await _message(desk, RESIDENT_ID, "我们需要你补充")
    assert "请告诉我们具体是几楼几号在装修" in text_of(asked)
    desk.api.send_text(desk.resident, f"/ticket {number}")
    shown = await _message(desk, RESIDENT_ID, "⏸ 正在等你补充信息")
    assert "需要你补充" in text_of(shown)  # the step in their timeline
    desk.clock.now = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # Tuesday 10:00: 8.5 h paused
    desk.api.send_text(desk.resident, "是5楼502，白天家里没人", reply_to=asked)

    resumed = await _message(desk, STAFF_CHAT, f"▶️ #{number} 居民已补充，恢复计时")
    assert "新的办结期限：11月5日 10:00" in text_of(resumed)
    view = await desk.services.tickets.staff.get_ticket_for_staff(DESK, number)
    assert view.paused_at is None
    assert view.resolution_due_at == datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    [not_paused] = await desk.say(f"/resume {number}")
    assert not_paused["text"] == f"工单 {number} 没有挂起，正在计时。"


async def test_clock_commands_missing_a_part_get_their_usage(desk: Desk) -> None:
    number = await desk.file()
    await desk.say(f"/accept {number}")
    extend, pause = "用法：/extend 工单号 新的办结期限 理由", "用法：/pause 工单号"
    for typed, usage in [
        ("/extend", extend),
        ("/extend 明天 需要等物业", extend),  # no number: the usage, not the time
        (f"/extend {number}", extend),
        (f"/extend {number} 11月6日 17:30", extend),  # no reason
        (f"/pause {number}", pause),
        ("/pause 请补充", pause),
        (f"/resume {number} 现在", "用法：/resume 工单号"),
        (f"/ticket {number} 全部", "用法：/ticket 工单号"),
    ]:
        [said] = await desk.say(typed)
        assert said["text"].startswith(usage), typed
    [bad] = await desk.say(f"/extend {number} 明天")
    assert bad["text"].startswith("看不懂新的办结期限")


async def test_extend_refuses_past_then_too_far_then_a_day_off(desk: Desk) -> None:
    await _official(desk)
    number = await desk.file()
    await desk.say(f"/accept {number}")
    too_far = (
        f"工单 {number}：延期最多顺延 60 个工作日（从现在的办结期限算起，即 +60）。"
        "需要更长时间的，请和领导商量新的办理计划。"
    )
    for typed in (
        "2099-12-30 17:00 太忙",
        "2099-12-27 需要等物业",
        "+61 需要等物业",
        "+999 需要等物业",
    ):
        [said] = await desk.say(f"/extend {number} {typed}")  # 2099-12-27 is a Sunday
        assert said["text"] == too_far, typed
    # 1 January 2020 is both past and a holiday: past is what to fix first.
    [past] = await desk.say(f"/extend {number} 2020-01-01 需要等物业")
    assert past["text"].startswith(f"工单 {number}：新的期限已经过去了")
    assert await desk.outbox(OFFICIAL_ID) == []  # no official was asked
    [asked] = await desk.say(f"/extend {number} +60 需要等物业")
    assert asked["text"].startswith(f"#{number} 延期申请已提交")


@pytest.mark.skipif(
    WorkCalendar().coverage(2027).in_library,
    reason="this chinese-calendar knows 2027 (the desk's clock is in November 2026, and an "
    "extension reaches 60 working days at most: no later year is within reach)",
)
async def test_an_extension_into_a_year_without_holidays_says_how_it_was_counted(
    desk: Desk,
) -> None:
    """1 January 2027 is a holiday, but chinese-calendar 1.11 knows only up to 2026 and no
    holiday file gives 2027: the request goes through as Monday to Friday counts it, and
    says so."""
    await _official(desk)
    number = await desk.file()
    await desk.say(f"/accept {number}")
    [asked] = await desk.say(f"/extend {number} 2027-01-01 17:00 需要等物业")
    first, note = asked["text"].split("\n")
    assert first.startswith(f"#{number} 延期申请已提交") and "2027年1月1日 17:00" in first
    assert note.startswith("注意：2027 年的法定节假日和调休还没有录入")
    [(kind, _)] = await desk.outbox(OFFICIAL_ID)  # the request went to the official
    assert kind == "staff.extension.request"


async def test_an_extension_within_a_known_year_has_no_such_note(desk: Desk) -> None:
    await _official(desk)
    number = await desk.file()
    await desk.say(f"/accept {number}")
    [asked] = await desk.say(f"/extend {number} +5 需要等物业")
    assert "\n" not in asked["text"] and "节假日" not in asked["text"]


def _forge(desk: Desk, presser: dict[str, Any], chat_id: int, data: str) -> dict[str, Any]:
    """A message of linli's in ``chat_id`` carrying one button with ``data``."""
    kind = "private" if chat_id > 0 else "supergroup"
    message = {
        "message_id": 990000 + len(desk.api.world.messages),
        "date": 0,
        "chat": {"id": chat_id, "type": kind, "title": "x"} if chat_id < 0 else
                {"id": chat_id, "type": kind},
        "from": {"id": 1, "is_bot": True, "first_name": "linli"},
        "text": "…",
        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": data}]]},
    }  # fmt: skip
    desk.api.world.messages[(chat_id, message["message_id"])] = message
    return message


async def test_forged_decision_buttons_are_answered_and_change_nothing(desk: Desk) -> None:
    official = await _official(desk)
    number = await desk.file()
    extensions = desk.services.tickets.extensions
    due, reason = extensions.parse_due("+2 物业要调取监控录像")
    request = await extensions.request(DESK, number, due, reason)
    presses = [
        (official, STAFF_CHAT, f"ext:y:{request.id}", "请在与「邻里」的私聊里审批延期。"),
        (desk.staff, STAFF_ID, f"ext:y:{request.id}", ONLY_OFFICIALS),
        (desk.resident, RESIDENT_ID, f"ext:n:{request.id}", ONLY_OFFICIALS),
        (official, OFFICIAL_ID, "ext:y:²", None),
        (official, OFFICIAL_ID, f"ext:y:{request.id + 7}", None),
        (official, OFFICIAL_ID, f"ext:maybe:{request.id}", None),
    ]  # fmt: skip
    for presser, chat_id, data, expected in presses:
        answer = await desk.press(_forge(desk, presser, chat_id, data), "x", who=presser)
        assert answer == (expected or "这个按钮已经过期了，请重新提问或发送 /menu。"), data
    view = await desk.services.tickets.staff.get_ticket_for_staff(DESK, number)
    assert view.resolution_due_at == request.from_due_at
    assert [e.kind for e in view.events][-1] == "ext_requested"


async def test_the_usage_shows_due_times_one_can_copy(desk: Desk) -> None:
    """The examples are a week ahead: a fixed date in the text was past a few days later,
    and staff copying it were told the new due time had gone by."""
    number = await desk.file()
    await desk.say(f"/accept {number}")
    desk.clock.now = datetime(2026, 12, 15, 2, 0, tzinfo=UTC)  # past the old fixed example
    [usage] = await desk.say("/extend")
    found = re.search(r"(\d+月\d+日 18:00)、(\d{4}-\d{2}-\d{2} 18:00)", usage["text"])
    assert found is not None, usage["text"]
    for example in found.groups():
        [said] = await desk.say(f"/extend {number} {example} 等配件到货")
        assert "已经过去" not in said["text"] and "看不懂" not in said["text"], said["text"]
