"""Subscriptions end to end: the one-time topic question after /start, toggling topics with
buttons, /unsubscribe by name, /stop keeping every broadcast away until /subscribe, and
quiet hours with a clock the test moves (no sleeping): a non-urgent notice waits for 07:00,
an urgent one does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services import Services
from services.knowledge.live import LiveKnowledge
from services.notices.views import Audience
from tests.e2e.conftest import RESIDENT_ID, start_linli
from tests.e2e.test_broadcast import OFFICIAL_ID, expect, press, text_of, write
from tests.fakes.bot_api import BotApiServer
from tests.services.conftest import Clock

# 23:00 in Shanghai: inside the default quiet hours (22:00-07:00).
NIGHT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@dataclass
class Town:
    """Enough of linli for these tests; ``api``/``services`` as the shared helpers expect."""

    api: BotApiServer
    services: Services
    clock: Clock
    resident: dict[str, Any]
    boss: dict[str, Any]


async def _official(services: Services) -> None:
    await services.residents.grant_role(OFFICIAL_ID, "official")


@pytest.fixture
async def town(tmp_path: Path, live_knowledge: LiveKnowledge) -> AsyncIterator[Town]:
    clock = Clock(NIGHT)
    async with start_linli(
        tmp_path,
        live_knowledge,
        clock=clock,
        setup=_official,
    ) as (api, services):
        resident = api.user(RESIDENT_ID, "小王", language_code="zh-hans")
        boss = api.user(OFFICIAL_ID, "刘主任", language_code="zh-hans")
        yield Town(api, services, clock, resident, boss)


async def notify(town: Town, text: str, *, urgent: bool = False) -> int:
    """An official's notice to everyone, sent now (the compose dialogue is in test_broadcast)."""
    notices = town.services.notices
    draft = await notices.create_draft(OFFICIAL_ID, text)
    await notices.set_audience(OFFICIAL_ID, draft.id, Audience.everyone())
    await notices.set_urgent(OFFICIAL_ID, draft.id, urgent)
    return (await notices.confirm(OFFICIAL_ID, draft.id)).id


def labels(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def received(town: Town, text: str) -> bool:
    return any(text in text_of(m) for m in town.api.sent_to(RESIDENT_ID))


async def test_new_residents_are_asked_once_and_buttons_toggle(town: Town) -> None:
    town.api.send_text(town.resident, "/start")
    question = await expect(town, town.resident, "想收到哪些社区通知")
    assert labels(question) == ["▫️ 停水停电", "▫️ 社区活动", "▫️ 政策解读", "▫️ 居务公开", "完成"]
    marked = await press(town, town.resident, question, "▫️ 停水停电", "已订阅：停水停电")
    marked = await press(town, town.resident, marked, "▫️ 居务公开", "已订阅：停水停电、居务公开")
    assert labels(marked)[:4] == ["✅ 停水停电", "▫️ 社区活动", "▫️ 政策解读", "✅ 居务公开"]
    prefs = await town.services.subscriptions.preferences(RESIDENT_ID)
    assert set(prefs.topics) == {"water_power", "disclosure"}
    marked = await press(town, town.resident, marked, "✅ 停水停电", "已订阅：居务公开")
    assert labels(marked)[0] == "▫️ 停水停电"
    await press(town, town.resident, marked, "完成", "已保存")
    assert (await town.services.subscriptions.preferences(RESIDENT_ID)).topics == ("disclosure",)
    # A second /start greets again but does not ask again.
    before = len(town.api.sent_to(RESIDENT_ID))
    town.api.send_text(town.resident, "/start")
    await town.api.wait_for_message(RESIDENT_ID)
    later = [text_of(m) for m in town.api.sent_to(RESIDENT_ID)[before:]]
    assert not any("想收到哪些社区通知" in text for text in later)


async def test_unsubscribe_by_name_and_unknown_topic(town: Town) -> None:
    resident = town.resident
    await write(town, resident, "/subscribe 社区活动", "已订阅“社区活动”")
    listing = await write(town, resident, "/unsubscribe", "点带 ✅ 的主题取消订阅")
    assert "已订阅：社区活动" in text_of(listing)
    # Typed in Traditional Chinese: found, and answered in Traditional Chinese.
    await write(town, resident, "/unsubscribe 社區活動", "已取消訂閱“社區活動”")
    refusal = await write(town, resident, "/unsubscribe 八卦新闻", "没有“八卦新闻”这个主题")
    assert "停水停电、社区活动、政策解读、居务公开" in text_of(refusal)
    assert (await town.services.subscriptions.preferences(RESIDENT_ID)).topics == ()


async def test_stop_keeps_broadcasts_away_until_subscribe(town: Town) -> None:
    town.clock.now = NIGHT + timedelta(hours=12)  # 11:00, outside quiet hours
    await write(town, town.resident, "/start", "欢迎")
    stopped = await write(town, town.resident, "/stop", "不再给你发送任何通知")
    assert "/subscribe" in text_of(stopped)
    quiet_id = await notify(town, "本周六小区消防演练。")
    urgent_id = await notify(town, "紧急：3号楼燃气泄漏，请勿使用明火。", urgent=True)
    for notice_id in (quiet_id, urgent_id):
        view = await town.services.notices.get(OFFICIAL_ID, notice_id)
        assert view.recipients == 1  # the official only: the resident said stop
    await write(town, town.resident, "/subscribe", "已恢复接收通知")
    await notify(town, "下周一恢复供暖。")
    await expect(town, town.resident, "下周一恢复供暖。")
    assert not received(town, "消防演练") and not received(town, "燃气泄漏")


async def test_quiet_hours_hold_ordinary_notices_until_morning(town: Town) -> None:
    await town.services.residents.register(RESIDENT_ID, RESIDENT_ID, "小王", "zh-hans")
    audience = await write(town, town.boss, "/broadcast 周末社区图书角开放。", "第 2 步")
    urgent = await press(town, town.boss, audience, "👥 全体居民", "第 3 步")
    when = await press(town, town.boss, urgent, "普通（免打扰时段内等到结束再送）", "第 4 步")
    preview = await press(town, town.boss, when, "⚡ 确认后立即发送", "第 5 步")
    assert "将送达 2 人，其中 2 人在免打扰时段" in text_of(preview)
    await press(town, town.boss, preview, "✅ 确认发送", "开始发送")
    await notify(town, "停电抢修：今晚23:30前恢复供电。", urgent=True)
    await expect(town, town.resident, "停电抢修")
    assert not received(town, "图书角")  # waits for 07:00
    town.clock.now = NIGHT + timedelta(hours=8, minutes=1)  # 07:01
    await expect(town, town.resident, "周末社区图书角开放。")


async def test_quiet_command(town: Town) -> None:
    resident = town.resident
    await write(town, resident, "/quiet 23:00 06:30", "免打扰时段已设为 23:00–06:30")
    prefs = await town.services.subscriptions.preferences(RESIDENT_ID)
    assert (f"{prefs.quiet_start:%H:%M}", f"{prefs.quiet_end:%H:%M}") == ("23:00", "06:30")
    shown = await write(town, resident, "/quiet", "用法")
    assert "免打扰时段：23:00–06:30" in text_of(shown)
    bad = await write(town, resident, "/quiet 25:00 07:00", "看不懂“25:00”这个时间")
    assert "/quiet 22:00 07:00" in text_of(bad)
    await write(town, resident, "/quiet 22:00 7点", "看不懂“7点”这个时间")
    await write(town, resident, "/quiet 晚上", "/quiet off")
    await write(town, resident, "/quiet off", "已关闭免打扰")
    prefs = await town.services.subscriptions.preferences(RESIDENT_ID)
    assert prefs.quiet_start == prefs.quiet_end
