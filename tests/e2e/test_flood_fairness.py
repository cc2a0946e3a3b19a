"""A 429 pauses only the chat Telegram named: the other residents keep being answered."""

from __future__ import annotations

from pathlib import Path

from services.access import Actor
from services.knowledge.live import LiveKnowledge
from tests.e2e.conftest import start_linli

FLOODED_ID = 200001
OTHER_ID = 200002
RETRY_AFTER_S = 3


async def test_a_429_for_one_chat_holds_only_that_chat(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    # The replies' rate limiter as in production (LINLI_REPLY_RATE=30).
    async with start_linli(tmp_path, live_knowledge, reply_rate=30) as (api, _services):
        flooded = api.user(FLOODED_ID, "小王", language_code="zh-hans")
        other = api.user(OTHER_ID, "小李", language_code="zh-hans")
        api.fail_next("sendMessage", 429, retry_after=RETRY_AFTER_S, chat_id=FLOODED_ID)
        api.send_text(flooded, "低保怎么申请")
        [refused] = await api.wait_for(lambda: [c for c in api.calls(chat_id=FLOODED_ID)])
        assert refused.error is not None and refused.error["error_code"] == 429

        # Meanwhile the other resident asks three questions, one after the other, and each
        # is answered while the first resident's chat is still paused.
        answers = []
        for question in ("廉租房申请条件", "居住证怎么办理", "社保断缴了怎么补"):
            api.send_text(other, question)
            [answer] = await api.wait_for_message(OTHER_ID, timeout=RETRY_AFTER_S)
            answers.append(answer["text"])
        assert [text.startswith("【") for text in answers] == [True, True, True]
        assert api.sent_to(FLOODED_ID) == []

        # The first resident gets the answer after the pause Telegram asked for.
        [late] = await api.wait_for_message(FLOODED_ID, timeout=15)
        assert late["text"].startswith("【最低生活保障")
        [delivered] = [c for c in api.calls("sendMessage", FLOODED_ID) if c.ok]
        assert delivered.time - refused.time >= RETRY_AFTER_S
        assert max(c.time for c in api.calls("sendMessage", OTHER_ID)) < delivered.time


async def test_a_press_gets_its_next_step_first_and_the_pressed_message_settles_a_second_later(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    """Pressing a button used to edit the pressed message and then send the next step: two
    messages in one private chat within a second, where Telegram allows about one, so the
    step the resident waited for met a 429 (1.1-1.6 s late in bench_flood.py)."""
    async with start_linli(tmp_path, live_knowledge, reply_rate=30) as (api, services):
        resident = api.user(FLOODED_ID, "小王", language_code="zh-hans")
        api.send_text(resident, "/complain")
        [menu] = await api.wait_for_message(FLOODED_ID)
        api.press_button(resident, menu, label="噪音扰民")
        [step] = await api.wait_for(
            lambda: [m for m in api.sent_to(FLOODED_ID) if m["message_id"] != menu["message_id"]]
        )
        asked = api.calls("sendMessage", FLOODED_ID)[-1].time
        assert "噪音扰民" not in menu.get("text", "") and step["text"]
        assert api.calls("editMessageText", FLOODED_ID) == []  # the next step came first

        # A second press of the same button meanwhile changes nothing: the flow moved on.
        api.press_button(resident, menu, label="噪音扰民")
        await api.wait_for(lambda: len(api.calls("sendMessage", FLOODED_ID)) == 3)
        draft = await services.tickets.filing.get_draft(Actor.in_private(FLOODED_ID))
        assert draft is not None and draft.step == "description"

        [edit] = await api.wait_for(lambda: api.calls("editMessageText", FLOODED_ID), timeout=5)
        assert edit.ok and edit.time - asked >= 0.9  # a second after the step it led to
        settled = api.world.messages[(FLOODED_ID, menu["message_id"])]
        assert settled["text"].endswith("✅ 噪音扰民") and not settled.get("reply_markup")


async def test_a_press_just_before_a_stop_is_still_settled(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    """linli stopping a moment after a press: the pressed message is settled before the bot
    shuts down, not left with buttons that would only answer "this step has passed"."""
    async with start_linli(tmp_path, live_knowledge, reply_rate=30) as (api, _services):
        resident = api.user(FLOODED_ID, "小王", language_code="zh-hans")
        api.send_text(resident, "/complain")
        [menu] = await api.wait_for_message(FLOODED_ID)
        api.press_button(resident, menu, label="噪音扰民")
        await api.wait_for(lambda: len(api.calls("sendMessage", FLOODED_ID)) == 2)
        assert api.calls("editMessageText", FLOODED_ID) == []
    [edit] = api.calls("editMessageText", FLOODED_ID)  # made while stopping
    assert edit.ok and edit.params["text"].endswith("✅ 噪音扰民")


async def test_a_pressed_message_refused_with_a_429_is_settled_after_the_wait(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    """The edit settling a pressed message meets a 429 (the resident's next messages took
    the chat's share): it is made once Telegram's wait is over, not dropped with the
    buttons left on."""
    async with start_linli(tmp_path, live_knowledge) as (api, _services):
        resident = api.user(FLOODED_ID, "小王", language_code="zh-hans")
        api.send_text(resident, "/complain")
        [menu] = await api.wait_for_message(FLOODED_ID)
        api.fail_next("editMessageText", 429, retry_after=1, chat_id=FLOODED_ID)
        api.press_button(resident, menu, label="噪音扰民")

        def settled() -> bool:
            shown = api.world.messages[(FLOODED_ID, menu["message_id"])]
            return shown["text"].endswith("✅ 噪音扰民") and not shown.get("reply_markup")

        await api.wait_for(settled, timeout=5)
        assert [c.ok for c in api.calls("editMessageText", FLOODED_ID)] == [False, True]
