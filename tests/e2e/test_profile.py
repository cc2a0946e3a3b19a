"""Where residents live, end to end through the fake Bot API: asked once after /start,
chosen with buttons, narrowed by typing, placed by a shared location, changed and cleared
with /profile; a forged or forwarded button changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from storage.models import QueryLog, Resident
from tests.e2e.conftest import RESIDENT_ID, Linli
from tests.e2e.test_broadcast import (
    NEIGHBOUR_ID,
    compose,
    expect,
    finished,
    official,
    resident,
    text_of,
)
from tests.e2e.test_filing import bot_answers, draft, say, tickets, to_step
from tests.e2e.test_filing import press as press_in_filing
from tests.e2e.test_privacy import forge
from tests.e2e.test_subscriptions import labels
from tests.fakes.bot_api import button_labels


async def fresh(
    linli: Linli, user: dict[str, Any], act: Callable[[], object], fragment: str
) -> dict[str, Any]:
    """Do ``act``, then the first new message to ``user`` containing ``fragment``."""
    before = len(linli.api.sent_to(user["id"]))
    act()

    def found() -> dict[str, Any]:
        hits = [m for m in linli.api.sent_to(user["id"])[before:] if fragment in text_of(m)]
        return hits[0] if hits else {}

    return await linli.api.wait_for(found)


async def typed(linli: Linli, user: dict[str, Any], text: str, fragment: str) -> dict[str, Any]:
    return await fresh(linli, user, lambda: linli.api.send_text(user, text), fragment)


async def tap(
    linli: Linli, user: dict[str, Any], message: dict[str, Any], label: str, fragment: str
) -> dict[str, Any]:
    act = lambda: linli.api.press_button(user, message, label=label)  # noqa: E731
    return await fresh(linli, user, act, fragment)


async def home(linli: Linli, telegram_id: int = RESIDENT_ID) -> tuple[str | None, str | None]:
    """(community, building) as the database holds them."""
    async with linli.services.db.transaction() as session:
        row = await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))
        assert row is not None
        return row.community, row.building


async def choose(linli: Linli, user: dict[str, Any], community: str, building: str) -> None:
    """/profile → change → community → building, by buttons."""
    shown = await typed(linli, user, "/profile", "🏠")
    asked = await tap(linli, user, shown, "更改住址", "你住在哪个社区")
    asked = await tap(linli, user, asked, community, "你住在哪个")
    await tap(linli, user, asked, building, "已登记")


async def test_start_asks_once_and_the_choice_is_stored(linli: Linli) -> None:
    linli.api.send_text(linli.resident, "/start")
    asked = await expect(linli, linli.resident, "你住在哪个社区")
    assert labels(asked) == ["示例社区A", "示例社区B", "示例社区C", "暂不登记"]
    assert "发送你的位置" in asked["text"]  # the sample has coordinates
    buildings = await tap(linli, linli.resident, asked, "示例社区B", "示例社区B：你住在哪个楼栋")
    assert labels(buildings) == ["1号楼", "2号楼", "3号楼", "7号楼", "不选楼栋，就这样"]
    done = await tap(linli, linli.resident, buildings, "7号楼", "已登记：示例社区B 7号楼")
    assert "/profile" in done["text"]
    assert await home(linli) == ("sample-b", "7号楼")

    before = len(linli.api.sent_to(RESIDENT_ID))
    await linli.say(linli.resident, "/start")  # the greeting only: asked once
    later = linli.api.sent_to(RESIDENT_ID)[before:]
    assert not any("你住在哪个社区" in (m.get("text") or "") for m in later)


async def test_skipping_at_start_then_typing_narrows_and_profile_changes(linli: Linli) -> None:
    linli.api.send_text(linli.resident, "/start")
    asked = await expect(linli, linli.resident, "你住在哪个社区")
    await tap(linli, linli.resident, asked, "暂不登记", "发送 /profile 就行")
    assert await home(linli) == (None, None)

    shown = await typed(linli, linli.resident, "/profile", "还没有登记")
    asked = await tap(linli, linli.resident, shown, "更改住址", "你住在哪个社区")
    narrowed = await typed(linli, linli.resident, "社区 c", "你住在哪个社区")
    assert labels(narrowed) == ["示例社区C", "显示全部社区", "暂不登记"]
    grids = await tap(linli, linli.resident, narrowed, "示例社区C", "你住在哪个网格")
    second = await typed(linli, linli.resident, "第二", "你住在哪个网格")
    assert labels(second) == ["第二网格", "不选网格，就这样"]
    await tap(linli, linli.resident, second, "第二网格", "已登记：示例社区C 第二网格")
    assert await home(linli) == ("sample-c", "第二网格")
    assert grids  # the full grid list was shown first

    await choose(linli, linli.resident, "示例社区A", "3号楼")
    assert await home(linli) == ("sample-a", "3号楼")
    shown = await typed(linli, linli.resident, "/profile", "你登记的住址：示例社区A 3号楼")
    await tap(linli, linli.resident, shown, "清除住址", "已清除")
    assert await home(linli) == (None, None)


async def test_an_estate_name_matching_no_community_stays_in_the_search(linli: Linli) -> None:
    """Residents know their 小区 better than their 社区: a miss is said, with the way on,
    and never reaches the question matcher."""
    shown = await typed(linli, linli.resident, "/profile", "🏠")
    await tap(linli, linli.resident, shown, "更改住址", "你住在哪个社区")
    missed = await typed(linli, linli.resident, "幸福里小区", "幸福里小区")
    assert missed["text"].startswith("没有找到叫「幸福里小区」的社区")
    assert "社区名称中的几个字" in missed["text"] and "/cancel" in missed["text"]
    assert labels(missed) == ["示例社区A", "示例社区B", "示例社区C", "暂不登记"]
    async with linli.services.db.transaction() as session:
        assert (await session.scalars(select(QueryLog))).all() == []  # no question was asked
    narrowed = await typed(linli, linli.resident, "社区B", "你住在哪个社区")  # still searching
    await tap(linli, linli.resident, narrowed, "示例社区B", "你住在哪个楼栋")
    assert await home(linli) == ("sample-b", None)


async def test_an_estate_the_district_lists_finds_its_community(linli: Linli) -> None:
    """The district's configuration names the estates (小区) in each community: typing one,
    or a part of it, offers that community alone."""
    shown = await typed(linli, linli.resident, "/profile", "🏠")
    await tap(linli, linli.resident, shown, "更改住址", "你住在哪个社区")
    found = await typed(linli, linli.resident, "示例花园", "你住在哪个社区")
    assert "没有找到" not in found["text"]
    assert labels(found) == ["示例社区A", "显示全部社区", "暂不登记"]
    await tap(linli, linli.resident, found, "示例社区A", "你住在哪个楼栋")
    assert await home(linli) == ("sample-a", None)


async def test_an_estate_named_in_a_sentence_or_in_traditional_finds_its_community(
    linli: Linli,
) -> None:
    """Found by an exploratory run: 我住在示例花园小区 and 示例花園小區 were "not found"."""
    for text in ("我住在示例花园小区", "示例花园小区3号楼", "示例花園小區"):
        shown = await typed(linli, linli.resident, "/profile", "🏠")
        await tap(linli, linli.resident, shown, "更改住址", "你住在哪个社区")
        found = await typed(linli, linli.resident, text, "你住在哪个社区")
        assert "没有找到" not in found["text"], text
        assert labels(found)[0] == "示例社区A" and "示例社区B" not in labels(found), text
        await tap(linli, linli.resident, found, "示例社区A", "你住在哪个楼栋")
        assert await home(linli) == ("sample-a", None)


async def test_a_building_that_matches_none_is_said_over_every_buildings_button(
    linli: Linli,
) -> None:
    """Found by an exploratory run: a miss left only "不选楼栋" to press."""
    shown = await typed(linli, linli.resident, "/profile", "🏠")
    await tap(linli, linli.resident, shown, "更改住址", "你住在哪个社区")
    found = await typed(linli, linli.resident, "社区A", "你住在哪个社区")
    await tap(linli, linli.resident, found, "示例社区A", "你住在哪个楼栋")
    missed = await typed(linli, linli.resident, "3栋", "3栋")
    assert "没有找到" in missed["text"]
    assert labels(missed)[:6] == ["1号楼", "2号楼", "3号楼", "4号楼", "5号楼", "6号楼"]
    narrowed = await typed(linli, linli.resident, "3號樓", "你住在哪个楼栋")  # Traditional
    assert labels(narrowed) == ["3号楼", "不选楼栋，就这样"]


async def test_a_question_typed_where_a_place_is_asked_for_is_answered(linli: Linli) -> None:
    """Found by an exploratory run: after /start (three messages at once) a new resident
    typed their question, and it and the next nine were searched for as places."""
    linli.api.send_text(linli.resident, "/start")
    await expect(linli, linli.resident, "你住在哪个社区")
    later = await typed(linli, linli.resident, "低保怎么申请", "先回答你的问题")
    assert later["text"] == "好的，先回答你的问题。住址以后可以随时发送 /profile 登记。"
    await expect(linli, linli.resident, "最低生活保障")  # the answer itself
    async with linli.services.db.transaction() as session:
        asked = (await session.scalars(select(QueryLog.raw_text))).all()
    assert asked == ["低保怎么申请"]
    assert await home(linli) == (None, None)
    # A building's name is still a search, and a miss names the way out.
    shown = await typed(linli, linli.resident, "/profile", "🏠")
    asked_for = await tap(linli, linli.resident, shown, "更改住址", "你住在哪个社区")
    await tap(linli, linli.resident, asked_for, "示例社区B", "你住在哪个楼栋")
    missed = await typed(linli, linli.resident, "99号楼", "没有找到")
    assert "/cancel" in missed["text"]
    narrowed = await typed(linli, linli.resident, "7号", "你住在哪个楼栋")
    await tap(linli, linli.resident, narrowed, "7号楼", "已登记：示例社区B 7号楼")
    # A question at the building step, in Traditional script: answered, the community kept.
    shown = await typed(linli, linli.resident, "/profile", "🏠")
    asked_for = await tap(linli, linli.resident, shown, "更改住址", "你住在哪个社区")
    await tap(linli, linli.resident, asked_for, "示例社区A", "你住在哪个楼栋")
    await typed(linli, linli.resident, "居住證怎麼辦理？", "先回答你的问题")
    assert await home(linli) == ("sample-a", None)


async def test_a_shared_location_picks_the_nearest_community(linli: Linli) -> None:
    shown = await typed(linli, linli.resident, "/profile", "🏠")
    await tap(linli, linli.resident, shown, "更改住址", "你住在哪个社区")
    linli.api.send_location(linli.resident, 39.9101, 116.4199)
    await expect(linli, linli.resident, "示例社区B：你住在哪个楼栋")
    assert await home(linli) == ("sample-b", None)

    linli.api.send_location(linli.resident, 22.5, 114.0)  # far from every sample community
    await expect(linli, linli.resident, "附近没有本街道的社区")
    assert await home(linli) == ("sample-b", None)


async def test_a_forged_button_is_refused_and_changes_nothing(linli: Linli) -> None:
    await choose(linli, linli.resident, "示例社区A", "3号楼")
    shown = await typed(linli, linli.resident, "/profile", "你登记的住址")
    for data, refusal in (
        ("pf:c:no-such-place", "没有这个社区"),
        ("pf:b:sample-a:99", "这个社区里没有这一栋"),
        ("pf:b:no-such-place:0", "没有这个社区"),
        ("pf:b:sample-a:²", "这个社区里没有这一栋"),
    ):
        act = lambda data=data: forge(linli, linli.resident, shown, data)  # noqa: E731
        await fresh(linli, linli.resident, act, refusal)
    assert await home(linli) == ("sample-a", "3号楼")

    # The resident's own button, pressed in a group: not their private chat.
    said = linli.api.send_text(linli.resident, "hi", chat=linli.staff_chat)
    forge(linli, linli.resident, said, "pf:c:sample-b")
    await linli.api.wait_for(
        lambda: any(
            "只能在你和我的私聊里" in str(m.get("text"))
            for m in linli.api.sent_to(linli.staff_chat["id"])
        )
    )
    assert await home(linli) == ("sample-a", "3号楼")


async def test_a_notice_to_one_building_reaches_exactly_its_residents(linli: Linli) -> None:
    boss = await official(linli)
    there = await resident(linli, RESIDENT_ID)
    same_number_elsewhere = await resident(linli, NEIGHBOUR_ID)
    next_door = await resident(linli, 200003)
    await choose(linli, there, "示例社区A", "3号楼")
    await choose(linli, same_number_elsewhere, "示例社区B", "3号楼")
    await choose(linli, next_door, "示例社区A", "4号楼")

    audience = await compose(linli, boss, "3号楼明天上午电梯检修。")
    await tap(linli, boss, audience, "🏢 某栋楼", "打出社区和楼栋")
    await typed(linli, boss, "3号楼", "不止一处符合")  # two communities have a 3号楼
    urgent = await typed(linli, boss, "示例社区A 3号楼", "第 3 步")
    when = await tap(linli, boss, urgent, "🚨 紧急（免打扰时段也立即送达）", "第 4 步")
    preview = await tap(linli, boss, when, "⚡ 确认后立即发送", "第 5 步")
    assert "楼栋“示例社区A 3号楼”的居民" in text_of(preview)
    assert "将送达 1 人" in text_of(preview)
    done = await tap(linli, boss, preview, "✅ 确认发送", "开始发送")
    await expect(linli, there, "电梯检修")
    number = re.search(r"#(\d+)", text_of(done))
    assert number is not None
    await finished(linli, int(number[1]))
    for other in (same_number_elsewhere, next_door):
        assert not any("电梯检修" in text_of(m) for m in linli.api.sent_to(other["id"]))


async def test_a_notice_to_a_community_reaches_its_residents(linli: Linli) -> None:
    boss = await official(linli)
    inside, outside = await resident(linli, RESIDENT_ID), await resident(linli, NEIGHBOUR_ID)
    await choose(linli, inside, "示例社区C", "第一网格")
    await choose(linli, outside, "示例社区B", "1号楼")
    audience = await compose(linli, boss, "社区C本周六义诊。")
    await tap(linli, boss, audience, "🏘 某个社区", "打出社区名称")
    await typed(linli, boss, "幸福社区", "没有找到“幸福社区”这个社区")
    urgent = await typed(linli, boss, "社区C", "第 3 步")
    when = await tap(linli, boss, urgent, "🚨 紧急（免打扰时段也立即送达）", "第 4 步")
    preview = await tap(linli, boss, when, "⚡ 确认后立即发送", "第 5 步")
    assert "社区“示例社区C”的居民" in text_of(preview) and "将送达 1 人" in text_of(preview)


async def test_filing_offers_where_the_resident_lives_as_the_place(linli: Linli) -> None:
    await choose(linli, linli.resident, "示例社区A", "3号楼")
    asked = await to_step(linli, "location")
    assert "🏠 示例社区A 3号楼" in button_labels(asked)
    act = lambda: linli.api.send_voice(linli.resident)  # noqa: E731
    refused = (await bot_answers(linli.api, act))[-1]  # not a place: asked again, offered again
    assert "🏠 示例社区A 3号楼" in button_labels(refused)
    await press_in_filing(linli, refused, "🏠 示例社区A 3号楼")
    assert (await draft(linli)).location_text == "示例社区A 3号楼"
    summary = await to_step_from(linli, "photos")
    await press_in_filing(linli, summary, "✅ 提交")
    (ticket,) = await tickets(linli)
    assert (ticket.location_text, ticket.community) == ("示例社区A 3号楼", "sample-a")


async def test_the_resident_may_give_another_place_instead(linli: Linli) -> None:
    await choose(linli, linli.resident, "示例社区A", "3号楼")
    await to_step(linli, "photos")  # typed 幸福小区3号楼2单元 at the place step
    summary = await to_step_from(linli, "photos")
    await press_in_filing(linli, summary, "✅ 提交")
    (ticket,) = await tickets(linli)
    # A typed place that names no configured community: the filer's community.
    assert (ticket.location_text, ticket.community) == ("幸福小区3号楼2单元", "sample-a")


async def test_a_ticket_placed_in_another_community_belongs_to_it(linli: Linli) -> None:
    await choose(linli, linli.resident, "示例社区A", "3号楼")
    asked = await to_step(linli, "location")
    assert "🏠 示例社区A 3号楼" in button_labels(asked)
    await say(linli, "示例社区C东门垃圾站")
    summary = await to_step_from(linli, "photos")
    await press_in_filing(linli, summary, "✅ 提交")
    (ticket,) = await tickets(linli)
    assert ticket.community == "sample-c"


async def to_step_from(linli: Linli, step: str) -> dict[str, Any]:
    """From ``step`` (photos or later) on to the summary, answering as to_step does."""
    question = (linli.api.sent_to(RESIDENT_ID))[-1]
    answers = {
        "photos": "没有照片，继续 »",
        "phone": "跳过 »",
        "anonymous": "🙋 不匿名，可以显示名字",
    }
    for name in ("photos", "phone", "anonymous")[("photos", "phone", "anonymous").index(step) :]:
        question = await press_in_filing(linli, question, answers[name])
    return question


async def test_a_double_tap_asks_and_saves_once(linli: Linli) -> None:
    """A community or a building tapped twice before its buttons are gone: one building
    question (not two, each with live buttons), one "已登记"."""
    me = linli.resident
    shown = await typed(linli, me, "/profile", "🏠")
    asked = await tap(linli, me, shown, "更改住址", "你住在哪个社区")
    before = len(linli.api.sent_to(RESIDENT_ID))
    linli.api.press_button(me, asked, label="示例社区B")
    linli.api.press_button(me, asked, label="示例社区B")
    buildings = await expect(linli, me, "示例社区B：你住在哪个楼栋")
    linli.api.press_button(me, buildings, label="7号楼")
    linli.api.press_button(me, buildings, label="7号楼")
    await expect(linli, me, "已登记：示例社区B 7号楼")
    await typed(linli, me, "低保怎么申请", "最低生活保障")  # answered after every tap
    said = [text_of(m) for m in linli.api.sent_to(RESIDENT_ID)[before:]]
    assert sum("你住在哪个楼栋" in s for s in said) == 1, said
    assert sum("已登记" in s for s in said) == 1, said
    assert await home(linli) == ("sample-b", "7号楼")


async def test_an_english_resident_searching_a_chinese_name_stays_in_english(
    linli: Linli,
) -> None:
    """Community and building names are Chinese: typing one to search says nothing about
    the resident's own language."""
    me = linli.resident
    await linli.services.residents.register(RESIDENT_ID, RESIDENT_ID, "Wang", "en")
    await linli.services.residents.set_language(RESIDENT_ID, "en")
    shown = await typed(linli, me, "/profile", "🏠")
    await tap(linli, me, shown, "Change", "Which community do you live in?")
    found = await typed(linli, me, "示例社区B", "🏠")
    assert "Which community do you live in?" in found["text"], found["text"]
    assert "示例社区B" in labels(found)
