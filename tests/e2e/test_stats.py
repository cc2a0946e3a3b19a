"""/stats and /export end to end: an official gets the figures and the chart, a resident is
refused, bad periods are explained, exports arrive as documents (personal data for admins)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from services.access import Actor
from services.tickets import Complaint
from tests.e2e.conftest import RESIDENT_ID, Linli
from tests.e2e.test_resident_path import UNSURE, unsure_matcher  # noqa: F401 (a fixture)
from tests.fakes.bot_api import button_labels

OFFICIAL_ID = 300001
PHONE = "13912345678"
COMPLAINT = Complaint(
    "noise",
    "楼上每天晚上十一点以后还在装修，电钻声音很大",
    location_text="幸福小区3号楼",
    phone=PHONE,
)


async def official(linli: Linli) -> dict[str, Any]:
    user = linli.api.user(OFFICIAL_ID, "街道领导", language_code="zh-hans")
    await linli.services.residents.grant_role(OFFICIAL_ID, "official")
    return user


async def file_one(linli: Linli) -> str:
    await linli.services.residents.register(RESIDENT_ID, RESIDENT_ID, "小王", "zh-hans")
    return (
        await linli.services.tickets.filing.file_complaint(Actor.in_private(RESIDENT_ID), COMPLAINT)
    ).number


async def ask(linli: Linli, user: dict[str, Any], text: str, count: int = 1) -> list[dict]:
    """Send ``text``; the chart takes a moment the first time matplotlib loads."""
    message = linli.api.send_text(user, text)
    return await linli.api.wait_for_message(message["chat"]["id"], count=count, timeout=30)


def document(linli: Linli, message: dict) -> bytes:
    return bytes(linli.api.world.files[message["document"]["file_id"]].data)


async def test_official_gets_the_summary_and_the_chart(linli: Linli) -> None:
    await file_one(linli)
    boss = await official(linli)
    text, photo = await ask(linli, boss, "/stats month", count=2)
    assert "统计（截至" in text["text"] and "受理工单 1 件" in text["text"]
    assert "响应率 暂无" in text["text"]  # the new ticket is still within its response limit
    assert "按分类：噪音扰民 1" in text["text"]
    assert "按渠道：Telegram 1" in text["text"]  # 代录 tickets show as 电话, 来访 …
    assert "按单位：社区服务中心 1" in text["text"]  # the sample district dispatches nothing
    assert "延期：申请 0 件，批准 0 件；等待居民 0 工作小时" in text["text"]
    assert "回访 0 次（满意 0，不满意 0，联系不上 0），退回重办 0 件，督办 0 件" in text["text"]
    assert photo["photo"] and "每日受理与解决" in photo["caption"]
    png = linli.api.world.files[photo["photo"][0]["file_id"]].data
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


@pytest.mark.usefixtures("unsure_matcher")
async def test_none_of_these_is_counted_apart_from_thumbs_down(linli: Linli) -> None:
    [intro] = await linli.say(linli.resident, UNSURE)
    await linli.press(linli.resident, intro, "都不是")  # no answer shown: not a 👎
    await linli.api.wait_for(lambda: "记录下来" in linli.api.last_message(RESIDENT_ID)["text"])
    [again] = await linli.say(linli.resident, UNSURE)
    await linli.press(linli.resident, again, button_labels(again)[0])
    shown = await linli.api.wait_for(
        lambda: [m for m in linli.api.sent_to(RESIDENT_ID) if m["text"].startswith("【")]
    )
    await linli.press(linli.resident, shown[0], "👎 没帮上")  # the picked answer, rated
    await linli.api.wait_for(lambda: "改进" in linli.api.last_message(RESIDENT_ID)["text"])
    text, _ = await ask(linli, await official(linli), "/stats month", count=2)
    assert "给出建议 2，未能回答 0，👍 0 👎 1，建议都不是 1" in text["text"]


async def test_a_resident_is_refused(linli: Linli) -> None:
    await file_one(linli)
    for command in ("/stats", "/stats month", "/export", "/export month xlsx personal"):
        (reply,) = await ask(linli, linli.resident, command)
        assert "只对街道和社区的负责同志、管理员开放" in reply["text"]
        assert "photo" not in reply and "document" not in reply


async def test_empty_future_and_malformed_periods(linli: Linli) -> None:
    boss = await official(linli)
    (empty,) = await ask(linli, boss, "/stats 2020-01")
    assert "2020-01：这段时间没有收到工单" in empty["text"]
    (future,) = await ask(linli, boss, "/stats 2999-01")
    assert "“2999-01”还没有开始" in future["text"]
    (bad,) = await ask(linli, boss, "/stats 下下个月")
    assert "看不懂“下下个月”" in bad["text"] and "2026-Q4" in bad["text"]
    (bad_export,) = await ask(linli, boss, "/export 2026-11 2026-10")
    assert "/export [时间段] [xlsx|csv]" in bad_export["text"]
    (two_formats,) = await ask(linli, boss, "/export month xlsx csv")
    assert two_formats["text"].startswith("看不懂“xlsx csv”")


async def test_export_sends_a_workbook_without_personal_data(linli: Linli) -> None:
    number = await file_one(linli)
    boss = await official(linli)
    (sent,) = await ask(linli, boss, "/export month xlsx")
    assert sent["document"]["file_name"].endswith(".xlsx") and "统计报表" in sent["caption"]
    book = openpyxl.load_workbook(io.BytesIO(document(linli, sent)))
    assert book.sheetnames == ["指标", "工单"]
    rows = list(book["工单"].values)
    assert rows[1][0] == number and "电话" not in rows[0]
    assert PHONE not in str(rows) and "小王" not in str(rows)
    (refused,) = await ask(linli, boss, "/export month personal")
    assert "只有管理员可以导出含个人信息" in refused["text"]


async def test_admin_exports_personal_data_and_csv(linli: Linli) -> None:
    await file_one(linli)
    (sent,) = await ask(linli, linli.admin, "/export month personal")
    assert "含个人信息" in sent["caption"]
    rows = list(openpyxl.load_workbook(io.BytesIO(document(linli, sent)))["工单"].values)
    assert rows[0][-3:] == ("居民", "电话", "地点") and rows[1][-2] == PHONE
    figures, tickets = await ask(linli, linli.admin, "/export month csv", count=2)
    assert figures["document"]["file_name"].endswith("指标.csv")
    assert document(linli, figures).decode("utf-8-sig").startswith("维度,名称,受理数")
    assert tickets["document"]["file_name"].endswith("工单.csv")
