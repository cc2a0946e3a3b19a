"""Every staff command, button and reply from someone without a staff role: "only staff",
and nothing changes: no event, no message to anyone, the ticket as it was."""

from __future__ import annotations

from typing import Any

from services.access import Actor
from tests.e2e.conftest import STAFF_CHAT_ID
from tests.e2e.staff_support import RESIDENT_ID, STAFF_CHAT, STAFF_ID, Desk, desk, find

__all__ = ["desk"]  # the fixture: staff chat, staff members, delivery worker

ONLY_STAFF = "这个操作只有社区工作人员可以使用。"
# Every staff command, with arguments that would work for staff ({n}, {m}: ticket numbers).
COMMANDS = (
    "/reply {n} 你好",
    "/note {n} 备注",
    "/queue",
    "/mine",
    "/resolve {n} 已处理",
    "/reject {n} 不归我们管",
    "/accept {n}",
    "/assign {n} 700001",
    "/merge {n} {m}",
    "/ticket {n}",
)


async def _state(desk: Desk, numbers: list[str]) -> tuple[Any, ...]:
    statuses = [await desk.status(n) for n in numbers]
    staff_view = await desk.services.tickets.staff.get_ticket_for_staff(
        Actor(STAFF_ID, STAFF_CHAT_ID), numbers[0]
    )
    outbox = (await desk.outbox(RESIDENT_ID), await desk.outbox(STAFF_CHAT))
    return (await desk.events(), statuses, staff_view.assignee_telegram_id, outbox)


async def test_every_staff_command_from_a_resident_in_the_staff_chat(desk: Desk) -> None:
    numbers = [await desk.file(), await desk.file()]
    before = await _state(desk, numbers)
    for command in COMMANDS:
        text = command.format(n=numbers[0], m=numbers[1])
        [answer] = await desk.say(text, who=desk.resident)
        assert answer["text"] == ONLY_STAFF, command
    assert await _state(desk, numbers) == before


async def test_every_staff_command_from_a_resident_in_a_private_chat(desk: Desk) -> None:
    numbers = [await desk.file(), await desk.file()]
    before = await _state(desk, numbers)
    # /ticket in a private chat is the resident's own command (their tickets only).
    for command in COMMANDS[:-1]:
        text = command.format(n=numbers[0], m=numbers[1])
        desk.api.send_text(desk.resident, text)
        [answer] = await desk.api.wait_for_message(RESIDENT_ID)
        assert answer["text"] == ONLY_STAFF, command
    assert await _state(desk, numbers) == before


async def test_staff_commands_from_staff_outside_the_staff_chat_point_there(desk: Desk) -> None:
    number = await desk.file()
    before = await _state(desk, [number])
    for command in COMMANDS[:-2]:
        desk.api.send_text(desk.staff, command.format(n=number, m=number))
        [answer] = await desk.api.wait_for_message(STAFF_ID)
        assert answer["text"] == "请在工作人员群里使用这个命令。", command
    assert await _state(desk, [number]) == before


async def test_card_buttons_pressed_by_a_resident_change_nothing(desk: Desk) -> None:
    numbers = [await desk.file(), await desk.file()]
    card = await desk.card(numbers[0])
    before = await _state(desk, numbers)
    for label in ("✅ 受理", "💬 答复", "❌ 不予受理", "👥 分派"):
        assert await desk.press(card, label, who=desk.resident) == ONLY_STAFF, label
    # The assign list, pressed by a resident, assigns nobody.
    await desk.press(card, "👥 分派")
    choices = await desk.api.wait_for(lambda: find(desk, f"把工单 #{numbers[0]}"))
    before = await _state(desk, numbers)
    assert await desk.press(choices, "张社工", who=desk.resident) == ONLY_STAFF
    assert await _state(desk, numbers) == before


async def test_a_resident_replying_to_a_card_does_not_reach_anyone(desk: Desk) -> None:
    numbers = [await desk.file(), await desk.file()]
    before = await _state(desk, numbers)
    [answer] = await desk.say(
        "我也要说两句", who=desk.resident, reply_to=await desk.card(numbers[0])
    )
    assert answer["text"] == ONLY_STAFF
    assert await _state(desk, numbers) == before


async def test_card_buttons_pressed_outside_the_staff_chat_change_nothing(desk: Desk) -> None:
    # A staff member's own button data, pressed in a private chat (or forged there).
    [number] = [await desk.file()]
    card = await desk.card(number)
    before = await _state(desk, [number])
    private = {**card, "chat": {"id": STAFF_ID, "type": "private", "first_name": "李社工"}}
    desk.api.world.messages[(STAFF_ID, card["message_id"])] = private
    for label in ("✅ 受理", "👥 分派"):
        assert "工作人员群" in await desk.press(private, label), label
    assert await _state(desk, [number]) == before
    assert not any("分派" in (m.get("text") or "") for m in desk.api.sent_to(STAFF_ID))
