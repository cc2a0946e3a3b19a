"""Emergencies and requests for a person, end to end: recognised before any matching and
answered with what to do now, then the way to a person (the centre's contact from its
configuration, and "ask a person", which files the message as an enquiry)."""

from __future__ import annotations

from sqlalchemy import select

from services.access import Actor
from storage.models import QueryLog
from tests.e2e.conftest import RESIDENT_ID, Linli
from tests.e2e.staff_support import Desk, desk, text_of
from tests.fakes.bot_api import button_labels

__all__ = ["desk"]  # the fixture

ASK_PERSON = "🙋 请工作人员回答"
CENTRE_PHONE = "0000-0000000"  # the sample contact of the service centre


async def decisions(linli: Linli) -> list[tuple[str, str]]:
    async with linli.services.db.transaction() as session:
        rows = await session.execute(select(QueryLog.raw_text, QueryLog.decision))
    return [(text, decision) for text, decision in rows]


async def test_a_fire_is_answered_with_119_and_the_way_to_a_person(linli: Linli) -> None:
    # A decision kept for the same words (the matcher took 着火了 for temporary relief) does
    # not win over the emergency.
    linli.services.knowledge.matcher.decide("着火了")
    [reply] = await linli.say(linli.resident, "着火了")
    assert reply["text"].startswith("这听起来很紧急。")
    assert "立即拨打 119" in reply["text"] and CENTRE_PHONE in reply["text"]
    assert "【" not in reply["text"]  # no article
    assert button_labels(reply) == [ASK_PERSON]
    assert await decisions(linli) == [("着火了", "emergency")]
    # "Ask a person" hands the message to staff as an enquiry.
    await linli.press(linli.resident, reply, ASK_PERSON)
    [ticket] = await linli.services.tickets.resident.list_my_tickets(Actor.in_private(RESIDENT_ID))
    assert ticket.description == "着火了"


async def test_each_emergency_gets_its_own_numbers(linli: Linli) -> None:
    [fallen] = await linli.say(linli.resident, "老人摔倒了起不来")
    assert "立即拨打 120" in fallen["text"]
    [gas] = await linli.say(linli.resident, "楼道里好大煤气味")
    assert "不要开关电灯" in gas["text"] and "119" in gas["text"]
    [beaten] = await linli.say(linli.resident, "老公喝了酒就打我和孩子，我该找谁")
    assert "110" in beaten["text"] and "12338" in beaten["text"]
    [despair] = await linli.say(linli.resident, "我真的活不下去了，不想活了")
    assert "12356" in despair["text"] and "你并不孤单" in despair["text"]


async def test_a_lift_entrapment_and_a_missing_child_get_their_advice_not_an_article(
    linli: Linli,
) -> None:
    [lift] = await linli.say(linli.resident, "电梯困人了")
    assert lift["text"].startswith("这听起来很紧急。")
    assert "96333" in lift["text"] and "不要扒门" in lift["text"] and CENTRE_PHONE in lift["text"]
    assert "【" not in lift["text"]  # no article
    assert button_labels(lift) == [ASK_PERSON]
    [child] = await linli.say(linli.resident, "孩子走丢了，找不到孩子了")
    assert "立即拨打 110" in child["text"] and "不用等 24 小时" in child["text"]
    assert "监控" in child["text"] and "【" not in child["text"]
    # A question about a lift's upkeep or about prevention is answered from the knowledge base.
    [upkeep] = await linli.say(linli.resident, "加装电梯补贴怎么申请")
    [bracelet] = await linli.say(linli.resident, "防走失手环怎么领")
    assert "96333" not in upkeep["text"] and "110" not in bracelet["text"]
    logged = dict(await decisions(linli))
    assert logged["电梯困人了"] == logged["孩子走丢了，找不到孩子了"] == "emergency"
    assert "emergency" not in (logged["加装电梯补贴怎么申请"], logged["防走失手环怎么领"])
    [english] = await linli.say(linli.resident, "I'm stuck in the lift")
    assert english["text"].startswith("This sounds urgent.") and "96333" in english["text"]
    assert "Don't pry the doors open" in english["text"]


async def test_traditional_and_english_emergencies_are_answered_in_their_language(
    linli: Linli,
) -> None:
    [jump] = await linli.say(linli.resident, "有人跳樓了")
    assert "撥打 110 和 120" in jump["text"] and "拨打" not in jump["text"]
    [lift] = await linli.say(linli.resident, "我被困在電梯裡了")
    assert "撥打全國電梯應急救援電話 96333" in lift["text"] and "电梯" not in lift["text"]
    [english] = await linli.say(linli.resident, "I want to kill myself")
    assert english["text"].startswith("This sounds urgent.")
    assert "12356" in english["text"] and "You are not alone" in english["text"]
    assert button_labels(english) == ["🙋 Ask a staff member"]


async def test_a_banned_resident_still_gets_the_emergency_numbers(desk: Desk) -> None:
    await desk.say(f"/ban {RESIDENT_ID} 多次辱骂工作人员")
    desk.api.send_text(desk.resident, "着火了")
    [reply] = await desk.api.wait_for_message(RESIDENT_ID)
    # Not logged, so no "ask a person" (it files the logged question): the centre's contact.
    assert "立即拨打 119" in text_of(reply) and CENTRE_PHONE in text_of(reply)
    assert button_labels(reply) == []


async def test_asking_for_a_person_gets_the_contact_and_the_button(linli: Linli) -> None:
    for text in ("转人工", "你们电话多少", "找工作人员"):
        [reply] = await linli.say(linli.resident, text)
        assert reply["text"].startswith("好的，这就帮你找人。") and CENTRE_PHONE in reply["text"]
        assert button_labels(reply) == [ASK_PERSON]
    [english] = await linli.say(linli.resident, "talk to a human")
    assert english["text"].startswith("Of course, here is how to reach a person.")
    assert [d for _, d in await decisions(linli)] == ["person"] * 4
    await linli.press(linli.resident, english, "🙋 Ask a staff member")
    # Words that only ask for a person tell staff nothing: linli asks what it is about first
    # (tests/e2e/test_ask_for_a_person.py), and files the answer.
    mine = linli.services.tickets.resident.list_my_tickets
    assert not await mine(Actor.in_private(RESIDENT_ID))
    need = "The heating in my flat has been off for three days"
    await linli.say(linli.resident, need)
    [ticket] = await mine(Actor.in_private(RESIDENT_ID))
    assert ticket.description == need


async def test_an_unhelpful_answer_offers_a_person(linli: Linli) -> None:
    [answer] = await linli.say(linli.resident, "低保怎么申请")
    await linli.press(linli.resident, answer, "👎 没帮上")  # its first act: the 👍/👎 row goes
    sorry = await linli.api.wait_for(
        lambda: (m := linli.api.last_message(RESIDENT_ID)) and "改进" in m["text"] and m
    )
    assert "改进" in sorry["text"] and CENTRE_PHONE in sorry["text"]
    assert button_labels(sorry) == [ASK_PERSON]
    await linli.press(linli.resident, sorry, ASK_PERSON)
    [ticket] = await linli.services.tickets.resident.list_my_tickets(Actor.in_private(RESIDENT_ID))
    assert ticket.description == "低保怎么申请"
