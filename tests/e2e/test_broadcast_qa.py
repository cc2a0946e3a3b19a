"""/broadcast and /bulletins corner cases an official runs into: a preview's confirm tapped
twice before linli answers sends the notice once and says so to the second tap; a bulletin's
schedule reads in the order people say it (每月 1 日 09:00, not 每月 09:00 1 日)."""

from __future__ import annotations

import re
from datetime import date, datetime

from tests.e2e.conftest import RESIDENT_ID, Linli
from tests.e2e.test_broadcast import (
    OFFICIAL_ID,
    WATER,
    compose,
    expect,
    official,
    press,
    resident,
    text_of,
    write,
)


async def test_confirm_tapped_twice_sends_once(linli: Linli) -> None:
    boss = await official(linli)
    neighbour = await resident(linli, RESIDENT_ID)
    audience = await compose(linli, boss)
    urgent = await press(linli, boss, audience, "👥 全体居民", "第 3 步")
    when = await press(linli, boss, urgent, "普通（免打扰时段内等到结束再送）", "第 4 步")
    preview = await press(linli, boss, when, "⚡ 确认后立即发送", "第 5 步")
    linli.api.press_button(boss, preview, label="✅ 确认发送")
    linli.api.press_button(boss, preview, label="✅ 确认发送")
    await expect(linli, boss, "开始发送")
    await expect(linli, boss, "这条通知已经不是草稿了")
    await expect(linli, neighbour, WATER)
    (notice,) = await linli.services.notices.list_notices(boss["id"])
    assert notice.status == "queued"
    assert sum(WATER in text_of(m) for m in linli.api.sent_to(neighbour["id"])) == 1


async def test_a_bulletin_schedule_reads_naturally(linli: Linli) -> None:
    boss = await official(linli)
    for command, said in [
        ("every=monthly at=09:00 day=1 月报", "#1 月报\n每月 1 日 09:00｜"),
        ("every=quarterly at=08:30 day=31 季报", "#2 季报\n每季度首月 31 日 08:30｜"),
        ("every=weekly at=18:00 weekday=fri 周报", "#3 周报\n每周五 18:00｜"),
        ("every=daily at=07:00 日报", "#4 日报\n每天 07:00｜"),
    ]:
        await write(linli, boss, f"/bulletin_add {command}", said)


async def test_an_english_official_composing_in_chinese_stays_in_english(linli: Linli) -> None:
    """The notice and its sending time are content for residents: typing them in Chinese
    does not switch the official's steps to Chinese halfway through."""
    boss = await official(linli)
    await linli.services.residents.set_language(OFFICIAL_ID, "en")
    await write(linli, boss, "/broadcast", "step 1 of 5")
    audience = await write(linli, boss, WATER, "Step 2")
    urgent = await press(linli, boss, audience, "👥 All residents", "Step 3")
    when = await press(linli, boss, urgent, "Ordinary (waits for quiet hours to end)", "Step 4")
    await press(linli, boss, when, "🕘 Send at a time", "Type the sending time")
    await write(linli, boss, "明天9点", "Step 5")


async def test_writing_the_notice_does_not_say_the_broadcast_was_put_aside(linli: Linli) -> None:
    """The notice's text moves /broadcast from its first question to its next: the same
    flow, so nothing tells the official that "the /broadcast without text was put aside"."""
    boss = await official(linli)
    audience = await compose(linli, boss)
    said = [text_of(m) for m in linli.api.sent_to(boss["id"])]
    assert said[-1] == text_of(audience)
    assert not any("先放下了" in text for text in said), said


async def test_the_example_sending_time_is_in_the_future(linli: Linli) -> None:
    """The example of a sending time is a date to come: a fixed one (2026-12-01 09:00)
    went by, and copying it was refused as past."""
    boss = await official(linli)
    audience = await compose(linli, boss)
    urgent = await press(linli, boss, audience, "👥 全体居民", "第 3 步")
    when = await press(linli, boss, urgent, "普通（免打扰时段内等到结束再送）", "第 4 步")
    asked = await press(linli, boss, when, "🕘 定时发送", "打出发送时间")
    [example] = re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text_of(asked))
    assert datetime.strptime(example, "%Y-%m-%d %H:%M").date() > date.today()
    refused = await write(linli, boss, "下下周", "看不懂")
    assert example in text_of(refused)
    await write(linli, boss, example, "第 5 步")  # the example, copied, is taken


async def test_a_step_tapped_twice_asks_the_next_question_once(linli: Linli) -> None:
    """The pressed question keeps its buttons until the next one is out (they are settled a
    second later with Telegram's limits): a second tap meanwhile is a stale button, not a
    second "step 3" with live buttons."""
    boss = await official(linli)
    audience = await compose(linli, boss)
    linli.api.press_button(boss, audience, label="👥 全体居民")
    linli.api.press_button(boss, audience, label="👥 全体居民")
    urgent = await expect(linli, boss, "第 3 步")
    await expect(linli, boss, "这个按钮已经过期")
    assert sum("第 3 步" in text_of(m) for m in linli.api.sent_to(boss["id"])) == 1
    linli.api.press_button(boss, urgent, label="普通（免打扰时段内等到结束再送）")
    linli.api.press_button(boss, urgent, label="普通（免打扰时段内等到结束再送）")
    await expect(linli, boss, "第 4 步")
    (draft,) = await linli.services.notices.list_notices(boss["id"])
    assert draft.status == "draft" and not draft.urgent
    await linli.api.wait_for(
        lambda: sum("已经过期" in text_of(m) for m in linli.api.sent_to(boss["id"])) == 2
    )
    assert sum("第 4 步" in text_of(m) for m in linli.api.sent_to(boss["id"])) == 1
