"""/broadcast end to end, as an official uses it: compose, preview with the recipient count,
confirm, and residents get it through the real delivery worker; schedule then cancel; bad
input (empty or too long text, a past or unreadable time, an unknown topic) refused clearly;
/cancel while composing; /notices figures; bulletins added, listed and removed."""

from __future__ import annotations

import asyncio
import re
from datetime import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

from bot.app import build_application
from bot.runner import running
from services import open_services
from services.knowledge.live import LiveKnowledge
from services.notices.views import Audience
from tests.e2e.conftest import RESIDENT_ID, Linli
from tests.fakes.bot_api import BotApiServer

OFFICIAL_ID = 300001
NEIGHBOUR_ID = 200002
WATER = "明天上午8点到12点幸福小区停水，请提前储水。"


async def official(linli: Linli) -> dict[str, Any]:
    user = linli.api.user(OFFICIAL_ID, "刘主任", language_code="zh-hans")
    await linli.services.residents.grant_role(OFFICIAL_ID, "official")
    return user


async def resident(linli: Linli, telegram_id: int, topic: str | None = None) -> dict[str, Any]:
    """A registered resident without quiet hours (the real clock may be at night)."""
    user = linli.api.user(telegram_id, f"居民{telegram_id}", language_code="zh-hans")
    await linli.services.residents.register(telegram_id, telegram_id, "居民", "zh-hans")
    await linli.services.subscriptions.set_quiet_hours(telegram_id, time(0), time(0))
    if topic is not None:
        await linli.services.subscriptions.subscribe(telegram_id, topic)
    return user


class WithApi(Protocol):
    """A running linli as these helpers need it (the linli fixture, or one with a clock)."""

    api: BotApiServer


async def expect(linli: WithApi, user: dict[str, Any], fragment: str) -> dict[str, Any]:
    """The newest message to ``user`` containing ``fragment`` (waiting for it)."""

    def found() -> dict[str, Any]:
        hits = [m for m in linli.api.sent_to(user["id"]) if fragment in text_of(m)]
        return hits[-1] if hits else {}  # falsy: keep waiting

    return await linli.api.wait_for(found)


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def write(linli: WithApi, user: dict[str, Any], text: str, fragment: str) -> dict[str, Any]:
    linli.api.send_text(user, text)
    return await expect(linli, user, fragment)


async def press(
    linli: WithApi, user: dict[str, Any], message: dict[str, Any], label: str, fragment: str
) -> dict[str, Any]:
    linli.api.press_button(user, message, label=label)
    return await expect(linli, user, fragment)


async def finished(linli: Linli, notice_id: int) -> None:
    """Wait until the worker has recorded every row of the notice as done."""
    for _ in range(250):
        if (await linli.services.notices.get(OFFICIAL_ID, notice_id)).state == "finished":
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"notice {notice_id} did not finish")


async def compose(linli: Linli, boss: dict[str, Any], text: str = WATER) -> dict[str, Any]:
    """/broadcast and the text; returns the audience question."""
    await write(linli, boss, "/broadcast", "第 1 步")
    return await write(linli, boss, text, "第 2 步")


async def test_compose_preview_confirm_and_residents_receive_it(linli: Linli) -> None:
    boss = await official(linli)
    first = await resident(linli, RESIDENT_ID, "water_power")
    second = await resident(linli, NEIGHBOUR_ID, "water_power")
    await resident(linli, 200003)  # not subscribed: must not get it
    audience = await compose(linli, boss)
    topics = await press(linli, boss, audience, "🏷 订阅某个主题的居民", "选择主题")
    urgent = await press(linli, boss, topics, "停水停电", "第 3 步")
    assert "免打扰时段也立即送达" in str(urgent["reply_markup"])
    when = await press(linli, boss, urgent, "🚨 紧急（免打扰时段也立即送达）", "第 4 步")
    preview = await press(linli, boss, when, "⚡ 确认后立即发送", "第 5 步")
    assert "将送达 2 人，其中 0 人在免打扰时段" in text_of(preview)
    assert "订阅“停水停电”的居民" in text_of(preview) and "紧急：是" in text_of(preview)
    shown = linli.api.sent_to(OFFICIAL_ID)
    assert text_of(shown[shown.index(preview) - 1]) == WATER  # as residents will see it
    done = await press(linli, boss, preview, "✅ 确认发送", "开始发送")
    assert "共 2 人" in text_of(done)
    for user in (first, second):
        await expect(linli, user, WATER)
    assert not any(WATER in text_of(m) for m in linli.api.sent_to(200003))
    number = re.search(r"#(\d+)", text_of(done))
    assert number is not None
    await finished(linli, int(number[1]))
    listing = await write(linli, boss, "/notices", "最近的通知")
    assert f"#{number[1]} ✅ 已发完 🚨紧急" in text_of(listing)
    assert "共 2：已送达 2，待发 0，失败 0，已屏蔽 0，已取消 0" in text_of(listing)


async def test_schedule_then_cancel(linli: Linli) -> None:
    boss = await official(linli)
    audience = await compose(linli, boss, "周六上午社区义诊，欢迎参加。")
    urgent = await press(linli, boss, audience, "👥 全体居民", "第 3 步")
    when = await press(linli, boss, urgent, "普通（免打扰时段内等到结束再送）", "第 4 步")
    ask_time = await press(linli, boss, when, "🕘 定时发送", "打出发送时间")
    assert "明天 9:00" in text_of(ask_time)
    preview = await write(linli, boss, "明天 9:00", "第 5 步")
    assert "09:00" in text_of(preview) and "紧急：否" in text_of(preview)
    scheduled = await press(linli, boss, preview, "✅ 确认定时发送", "将在")
    notice_id = re.search(r"#(\d+)", text_of(scheduled))
    assert notice_id is not None
    listing = await write(linli, boss, "/notices", "最近的通知")
    assert "🕘 待发送" in text_of(listing) and "已送达" not in text_of(listing)
    stopped = await write(linli, boss, f"/cancel_notice {notice_id[1]}", "已停止")
    assert "已送达 0 人" in text_of(stopped)
    view = await linli.services.notices.get(OFFICIAL_ID, int(notice_id[1]))
    assert view.status == "cancelled" and view.figures.total == 0
    await write(linli, boss, f"/cancel_notice {notice_id[1]}", "已经取消过了")
    await write(linli, boss, "/cancel_notice 9999", "没有编号为 9999 的通知")
    await write(linli, boss, "/cancel_notice", "用法：/cancel_notice 编号")


async def test_a_finished_notice_cannot_be_cancelled(linli: Linli) -> None:
    boss = await official(linli)
    neighbour = await resident(linli, NEIGHBOUR_ID, "activities")
    notice = await linli.services.notices.create_draft(OFFICIAL_ID, "今晚广场舞暂停一次。")
    await linli.services.notices.set_audience(OFFICIAL_ID, notice.id, Audience.topic("activities"))
    await linli.services.notices.confirm(OFFICIAL_ID, notice.id)
    await expect(linli, neighbour, "今晚广场舞暂停一次。")
    await finished(linli, notice.id)
    reply = await write(linli, boss, f"/cancel_notice {notice.id}", "已经全部发完")
    assert f"#{notice.id}" in text_of(reply)


async def test_past_and_unreadable_times_are_refused(linli: Linli) -> None:
    boss = await official(linli)
    audience = await compose(linli, boss)
    urgent = await press(linli, boss, audience, "🧑‍💼 工作人员", "第 3 步")
    when = await press(linli, boss, urgent, "普通（免打扰时段内等到结束再送）", "第 4 步")
    await press(linli, boss, when, "🕘 定时发送", "打出发送时间")
    await write(linli, boss, "2020-01-01 09:00", "已经过去了，请选一个将来的时间")
    await write(linli, boss, "下周找个时间", "看不懂“下周找个时间”这个时间")
    await write(linli, boss, "2099-01-01 09:00", "超过一年以后")
    preview = await write(linli, boss, "后天 18:30", "第 5 步")
    assert "18:30" in text_of(preview) and "对象：工作人员" in text_of(preview)


async def test_empty_and_too_long_texts_are_refused(linli: Linli) -> None:
    boss = await official(linli)
    await write(linli, boss, "/broadcast", "第 1 步")
    await write(linli, boss, "   ", "通知正文是空的")
    linli.api.send_photo(boss)
    await expect(linli, boss, "这张图片没有说明文字")
    await write(linli, boss, "停" * 4097, "正文太长了：4097 字")
    linli.api.send_photo(boss, caption="停" * 1025)
    await expect(linli, boss, "带图片的通知正文最多 1024 字")
    linli.api.send_photo(boss, caption="电梯检修，请走楼梯。")
    await expect(linli, boss, "第 2 步")
    assert await linli.services.notices.list_notices(OFFICIAL_ID) != []


async def test_unknown_topic_is_refused(linli: Linli) -> None:
    boss = await official(linli)
    audience = await compose(linli, boss)
    await press(linli, boss, audience, "🏷 订阅某个主题的居民", "选择主题")
    refusal = await write(linli, boss, "停电通知", "没有“停电通知”这个主题")
    assert "停水停电、社区活动、政策解读、居务公开" in text_of(refusal)
    await write(linli, boss, "停水停电", "第 3 步")


async def test_cancel_while_composing_and_resume(linli: Linli) -> None:
    boss = await official(linli)
    audience = await compose(linli, boss)
    await press(linli, boss, audience, "🏢 某栋楼", "打出社区和楼栋")
    await write(linli, boss, "幸福小区3号楼", "没有找到“幸福小区3号楼”这栋楼")  # not configured
    await write(linli, boss, "示例社区A 3号楼", "第 3 步")
    # Resumed at the question left unanswered, not at a preview showing its default (an
    # exploratory run sent a notice for one community to everyone that way).
    asked = lambda: [m for m in linli.api.sent_to(OFFICIAL_ID) if "第 3 步" in text_of(m)]  # noqa: E731
    assert len(asked()) == 1
    await write(linli, boss, "/broadcast", "接着上次的继续")
    urgent = (await linli.api.wait_for(lambda: asked()[1:]))[0]  # asked again
    when = await press(linli, boss, urgent, "普通（免打扰时段内等到结束再送）", "第 4 步")
    # Typing at a step answered by buttons asks it again.
    await write(linli, boss, "好的", "请点下面的按钮回答这一步")
    when = await expect(linli, boss, "第 4 步")
    preview = await press(linli, boss, when, "⚡ 确认后立即发送", "第 5 步")
    assert "楼栋“示例社区A 3号楼”的居民" in text_of(preview)
    resumed = await write(linli, boss, "/broadcast", "接着上次的继续")  # at the preview now
    assert "继续" in text_of(resumed)
    await expect(linli, boss, "第 5 步")
    await write(linli, boss, "/cancel", "已放弃这条通知草稿")
    (view,) = await linli.services.notices.list_notices(OFFICIAL_ID)
    assert view.status == "cancelled"
    # Afterwards the official's messages are questions again, and residents' /cancel works.
    (answer,) = await linli.say(linli.resident, "/cancel")
    assert "不需要取消" in answer["text"]


async def test_bulletins_added_listed_and_removed(linli: Linli) -> None:
    boss = await official(linli)
    usage = await write(linli, boss, "/bulletin_add", "用法（一条消息写完）")
    assert "{received}" in text_of(usage)
    command = "/bulletin_add every=weekly at=09:00 weekday=mon topic=居务公开 name=每周居务公开\n"
    added = await write(
        linli, boss, command + "本周受理 {received} 件，办结 {resolved} 件。", "已添加"
    )
    assert "每周一 09:00｜" in text_of(added) and "订阅“居务公开”的居民" in text_of(added)
    await write(linli, boss, "/bulletin_add every=weekly at=09:00 文本", "需要写 weekday")
    empty_name = "/bulletin_add every=daily at=8:00 name= 日报 文本"
    await write(linli, boss, empty_name, "“name=”后面是空的")
    await write(
        linli, boss, "/bulletin_add every=daily at=8:00 topic=八卦 文本", "没有“八卦”这个主题"
    )
    await write(linli, boss, "/bulletin_add every=daily at=8:00 本周 {收到}", "不认识的数据占位符")
    listing = await write(linli, boss, "/bulletins", "定期公告")
    assert "每周居务公开" in text_of(listing)
    (bulletin,) = await linli.services.bulletins.list_bulletins(OFFICIAL_ID)
    await write(linli, boss, f"/bulletin_remove {bulletin.id}", "已停用")
    await write(linli, boss, f"/bulletin_remove {bulletin.id}", "没有编号为")
    await write(linli, boss, "/bulletins", "还没有定期公告")


async def test_a_restart_mid_compose_loses_nothing(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    services = await open_services(
        f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3", None, "zh-Hans", knowledge=live_knowledge
    )
    await services.residents.grant_role(OFFICIAL_ID, "official")
    async with BotApiServer() as api:
        boss = api.user(OFFICIAL_ID, "刘主任", language_code="zh-hans")
        town = SimpleNamespace(api=api)
        async with running(build_application(services, token=api.token, api_url=api.url)):
            await write(town, boss, "/broadcast", "第 1 步")
            audience = await write(town, boss, WATER, "第 2 步")
            await press(town, boss, audience, "🏘 某个社区", "打出社区名称")
            await write(town, boss, "示例社区B", "第 3 步")
        # A new process: the draft's owner is known again, and their next message brings
        # back the draft with every choice made so far.
        async with running(build_application(services, token=api.token, api_url=api.url)):
            # The question left unanswered is asked again, with every choice made so far.
            urgent = await write(town, boss, "还在吗？", "第 3 步")
            await expect(town, boss, "请点下面的按钮回答这一步")
            when = await press(town, boss, urgent, "普通（免打扰时段内等到结束再送）", "第 4 步")
            preview = await press(town, boss, when, "⚡ 确认后立即发送", "第 5 步")
            assert "社区“示例社区B”的居民" in text_of(preview)
            assert "现在没有人会收到这条通知" in text_of(preview)  # nobody has that tag
            await press(town, boss, preview, "✅ 确认发送", "开始发送")
    (notice,) = await services.notices.list_notices(OFFICIAL_ID)
    assert notice.text == WATER and notice.status == "queued"
    await services.close()
