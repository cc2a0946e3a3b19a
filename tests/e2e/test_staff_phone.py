"""The resident is told only the staff member handling the ticket sees their full phone
number; the staff chat shows it masked, so the assignee gets it in a private message
(found in the console: nobody could ever see the number to call back)."""

from __future__ import annotations

from services.tickets import Complaint
from tests.e2e.staff_support import STAFF_2_ID, STAFF_CHAT, STAFF_ID, Desk, desk, text_of

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
