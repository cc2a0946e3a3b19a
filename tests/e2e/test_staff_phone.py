"""The resident is told only the staff member handling the ticket sees their full phone
number; the staff chat shows it masked, so the assignee gets it in a private message
(found in the console: nobody could ever see the number to call back)."""

from __future__ import annotations

from services.access import Actor
from services.tickets import Complaint
from tests.e2e.staff_support import (
    RESIDENT_ID,
    STAFF_2_ID,
    STAFF_CHAT,
    STAFF_ID,
    Desk,
    desk,
    find,
    text_of,
)

__all__ = ["desk"]  # the fixture

FULL = "13812345678"


async def sent_privately(desk: Desk, telegram_id: int, key: str) -> dict | None:
    return next((p for k, p in await desk.outbox(telegram_id) if k == key), None)


async def test_whoever_accepts_gets_the_full_number_in_private(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "✅ 受理")
    contact = await sent_privately(desk, STAFF_ID, "staff.contact")
    assert contact is not None and (contact["number"], contact["phone"]) == (number, FULL)
    assert await sent_privately(desk, STAFF_2_ID, "staff.contact") is None
    [shown] = await desk.say(f"/ticket {number}")
    assert "138****5678" in text_of(shown)
    assert all(FULL not in text_of(m) for m in desk.api.sent_to(STAFF_CHAT))


async def test_an_assignee_gets_the_full_number_with_the_assignment(desk: Desk) -> None:
    number = await desk.file()
    await desk.say(f"/assign {number} {STAFF_2_ID}")
    assigned = await sent_privately(desk, STAFF_2_ID, "staff.assigned")
    assert assigned is not None and assigned["phone"] == FULL
    await desk.say(f"/assign {number} {STAFF_ID}")  # taking it over oneself
    contact = await sent_privately(desk, STAFF_ID, "staff.contact")
    assert contact is not None and contact["phone"] == FULL
    assert all(FULL not in text_of(m) for m in desk.api.sent_to(STAFF_CHAT))


async def test_a_number_typed_in_the_description_is_masked_in_the_staff_chat(desk: Desk) -> None:
    complaint = Complaint("noise", "楼上天天装修太吵了，有事打我电话 138.1234.5678", "3号楼")
    number = await desk.file(complaint)
    assert "138****5678" in text_of(await desk.card(number))
    await desk.press(await desk.card(number), "✅ 受理")
    [shown] = await desk.say(f"/ticket {number}")
    assert "138****5678" in text_of(shown)
    assert all("1234" not in text_of(m) for m in desk.api.sent_to(STAFF_CHAT))


async def test_a_number_in_a_follow_up_is_masked_in_the_staff_chat(desk: Desk) -> None:
    anonymous = Complaint("noise", "楼上天天装修太吵了，晚上也不停", "3号楼", anonymous=True)
    number = await desk.file(anonymous)
    await desk.services.tickets.resident.followup(
        Actor.in_private(RESIDENT_ID), number, f"please call me at {FULL} after 6pm"
    )
    relayed = await desk.api.wait_for(lambda: find(desk, f"💬 工单 #{number}"))
    assert "please call me at 138****5678 after 6pm" in text_of(relayed)
    assert all(FULL not in text_of(m) for m in desk.api.sent_to(STAFF_CHAT))


async def test_the_trail_in_the_staff_chat_masks_a_number_in_a_follow_up(desk: Desk) -> None:
    number = await desk.file()
    await desk.press(await desk.card(number), "✅ 受理")
    await desk.services.tickets.resident.followup(
        Actor.in_private(RESIDENT_ID), number, f"晚上六点后打 {FULL} 找我"
    )
    await desk.api.wait_for(lambda: find(desk, f"💬 工单 #{number}"))
    [shown] = await desk.say(f"/ticket {number}")
    assert "晚上六点后打 138****5678 找我" in text_of(shown)
    assert all(FULL not in text_of(m) for m in desk.api.sent_to(STAFF_CHAT))
    # A number is there to be called: whoever took the ticket has it in private.
    copy = await desk.api.wait_for(
        lambda: next((m for m in desk.api.sent_to(STAFF_ID) if "💬" in text_of(m)), None)
    )
    assert f"晚上六点后打 {FULL} 找我" in text_of(copy)
    assert await sent_privately(desk, STAFF_2_ID, "staff.followup") is None
