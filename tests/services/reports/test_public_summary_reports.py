"""What a resident wrote never reaches the disclosure or an export without personal data:
the public summary does (the one staff wrote, or the default)."""

from __future__ import annotations

import io
import json

import openpyxl

from services.access import Actor
from services.notices.disclosure import disclosure_text
from services.reports import Report, ReportService, export, month_period
from services.tickets import Complaint
from tests.services.conftest import RESIDENT_PRIVATE, STAFF, STAFF_CHAT, Desk

DESCRIPTION = "我是张建国，电话13812345678，住501室，楼道灯坏了"
SECRETS = (DESCRIPTION, "张建国", "13812345678", "5678", "501", "楼道灯坏了", "王阿姨")
LIGHT = Complaint(
    category="facilities",
    description=DESCRIPTION,
    location_text="幸福里小区3号楼2单元501室",
    phone="13812345678",
)
WRITTEN = "楼道照明损坏，已更换灯具"


async def _resolved_light(desk: Desk) -> str:
    number = (await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, LIGHT)).number
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), number)
    return number


async def _november(desk: Desk, personal: bool = False) -> Report:
    reports = ReportService(desk.db, desk.clock)
    return await reports.report(month_period(2026, 11), with_personal_data=personal)


def _published(report: Report) -> dict[str, str]:
    """Every text a no-personal-data report publishes: disclosure, CSV, workbook, JSON."""
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(report)))
    cells = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    return {
        "disclosure": disclosure_text(report),
        "csv": export.to_csv(export.ticket_rows(report)).decode("utf-8-sig"),
        "xlsx": "\n".join(cells),
        "json": json.dumps(export.to_json(report), ensure_ascii=False),
    }


def _assert_only(published: dict[str, str], summary: str) -> None:
    for where, text in published.items():
        for secret in SECRETS:
            assert secret not in text, (where, secret)
        assert summary in text, where


async def test_the_default_summary_is_published_and_the_description_never(desk: Desk) -> None:
    await _resolved_light(desk)
    _assert_only(_published(await _november(desk)), "设施报修 · 幸福里小区3号楼 · 已解决")


async def test_the_summary_staff_wrote_is_published_and_the_description_never(
    desk: Desk,
) -> None:
    number = await _resolved_light(desk)
    await desk.tickets.summaries.set_summary(Actor(STAFF, STAFF_CHAT), number, WRITTEN)
    report = await _november(desk)
    published = _published(report)
    _assert_only(published, f"设施报修 · {WRITTEN}")
    assert f"1. 设施报修 · {WRITTEN}" in published["disclosure"]
    assert "幸福里小区3号楼" not in published["disclosure"]  # the staff's words replace the default


async def test_a_summary_naming_the_resident_is_scrubbed(desk: Desk) -> None:
    number = await _resolved_light(desk)
    slip = "张建国家501室楼道灯已修好，电话13812345678"
    await desk.tickets.summaries.set_summary(Actor(STAFF, STAFF_CHAT), number, slip)
    published = _published(await _november(desk))
    _assert_only(published, "楼道灯已修好")


async def test_the_export_with_personal_data_keeps_the_residents_words(desk: Desk) -> None:
    number = await _resolved_light(desk)
    await desk.tickets.summaries.set_summary(Actor(STAFF, STAFF_CHAT), number, WRITTEN)
    full = await _november(desk, personal=True)
    rows = export.ticket_rows(full)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["反映内容"] == DESCRIPTION and record["电话"] == "13812345678"
    assert record["地点"] == LIGHT.location_text and record["居民"] == "王阿姨"
    assert record["公开摘要"] == f"设施报修 · {WRITTEN}"
    # The disclosure is the same with or without personal data: summaries only.
    assert disclosure_text(full) == disclosure_text(await _november(desk))
