"""Forged button presses and typed ids from a resident: a clear answer, never the apology
for a crash, and nothing changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.models import Notice, Ticket, TicketEvent
from tests.e2e.conftest import RESIDENT_ID, Linli, linli

__all__ = ["linli"]  # the fixture

APOLOGY = "出了点问题"
FORGED = (
    "bc:aud:1:bogus",  # a broadcast audience that does not exist, from a resident
    "bc:ok:1",
    "tk:accept:99999999999999999999999",  # past 64 bits
    "tk:accept:²",  # isdigit() says yes, int() says no
    "tk:rate:١٢:y",  # Arabic-Indic digits: int() would take them
    "tk:score:2611-0001:y:9",
    "kl:e:group:²",
    "cp:follow:2611-0001",
    "nope:abc",
    "",
)


def _forge(linli: Linli, message: dict[str, Any], data: str) -> None:
    forged = {
        **message,
        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": data or "-"}]]},
    }
    linli.api.world.messages[(RESIDENT_ID, message["message_id"])] = forged
    linli.api.press_button(linli.resident, forged, label="x")


async def _rows(linli: Linli) -> tuple[int, int, int]:
    async with linli.services.db.transaction() as session:
        return tuple(  # type: ignore[return-value]
            [
                await session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Ticket, TicketEvent, Notice)
            ]
        )


async def test_forged_buttons_get_an_answer_and_change_nothing(linli: Linli) -> None:
    [answer] = await linli.say(linli.resident, "低保怎么申请")
    before = await _rows(linli)
    for data in FORGED:
        calls = len(linli.api.call_history)
        _forge(linli, answer, data)
        # Every press is answered (the spinner stops), whatever it carried.
        try:
            await linli.api.wait_for(
                lambda calls=calls: any(
                    c.method == "answerCallbackQuery" for c in linli.api.call_history[calls:]
                )
            )
        except TimeoutError:
            raise AssertionError(f"{data!r} was not answered") from None
    await linli.say(linli.resident, "/help")  # in order after the presses: all handled
    assert not any(APOLOGY in (m.get("text") or "") for m in linli.api.sent_to(RESIDENT_ID))
    assert await _rows(linli) == before


async def test_typed_ids_out_of_range_are_usage_not_crashes(linli: Linli) -> None:
    for command in (
        "/ticket 99999999999999999999999",
        "/followup ²²²² 还是很吵",
        "/cancel_notice ²",
        "/bulletin_remove 99999999999999999999999",
    ):
        [reply] = await linli.say(linli.resident, command)
        assert APOLOGY not in reply["text"], command


async def test_pressing_a_menu_button_twice_is_not_an_error(linli: Linli) -> None:
    [menu] = await linli.say(linli.resident, "/menu")
    label = menu["reply_markup"]["inline_keyboard"][0][0]["text"]
    # Two quick taps on the same button: the second edits the message into what it shows.
    linli.api.press_button(linli.resident, menu, label=label)
    linli.api.press_button(linli.resident, menu, label=label)
    await linli.say(linli.resident, "/help")
    edits = [c for c in linli.api.call_history if c.method == "editMessageText"]
    assert len(edits) == 2 and not edits[1].ok  # Telegram said "message is not modified"
    assert not any(APOLOGY in (m.get("text") or "") for m in linli.api.sent_to(RESIDENT_ID))
