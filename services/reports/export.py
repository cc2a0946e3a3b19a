"""A report as JSON, CSV or an Excel workbook (a sheet of figures and a sheet of tickets).

Each ticket is described by its public summary (services/tickets/summaries.py). The
resident's description, what staff wrote to the resident, and the resident's name, phone
and address are columns only when the report was made with personal data (admins, or the
operator with --with-personal-data). openpyxl is
imported inside ``to_xlsx``: only an export pays for loading it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from services.reports.model import CallbackFigures, Figures, Report, TicketRow

FIGURE_LABELS: dict[str, str] = {
    "received": "受理数",
    "response_base": "应响应数",
    "responded_in_time": "按时响应数",
    "response_rate": "响应率",
    "resolution_base": "应解决数",
    "resolved": "已解决数",
    "confirmed": "居民确认解决数",
    "staff_only": "仅工作人员办结数",
    "resolution_rate": "解决率",
    "confirmed_resolution_rate": "居民确认解决率",
    "staff_only_resolution_rate": "仅工作人员办结率",
    "ratings": "评价数",
    "satisfied": "满意评价数",
    "satisfaction_rate": "满意率",
    "median_first_response_h": "首次响应中位数(工作小时)",
    "p90_first_response_h": "首次响应P90(工作小时)",
    "median_resolution_h": "解决用时中位数(工作小时)",
    "p90_resolution_h": "解决用时P90(工作小时)",
    "overdue": "超时数",
    "reopened": "重新打开数",
    "rejected": "退回数",
    "callbacks.made": "回访数",
    "callbacks.satisfied": "回访满意数",
    "callbacks.not_satisfied": "回访不满意数",
    "callbacks.unreachable": "回访联系不上数",
    "redone": "退回重办数",
    "supervised": "督办数",
    "reviews": "申请复核数",
    "extensions_requested": "申请延期数",
    "extensions_approved": "批准延期数",
    "paused_hours": "等待居民(工作小时)",
}
# The callbacks object is spread over four columns ("callbacks.made" …) in sheets.
FIGURE_KEYS = tuple(
    key
    for name in (f.name for f in fields(Figures))
    for key in (
        [f"callbacks.{c.name}" for c in fields(CallbackFigures)] if name == "callbacks" else [name]
    )
)
_GROUP_KINDS = (
    ("category", "分类"),
    ("community", "社区"),
    ("unit", "单位"),
    ("channel", "渠道"),
    ("staff", "工作人员"),
)
_TICKET_COLUMNS = (
    ("number", "工单号"), ("category_title", "分类"), ("community", "社区"),
    ("staff", "经办人"), ("status", "状态"), ("created_at", "受理时间"),
    ("first_response_at", "首次响应时间"), ("resolved_at", "解决时间"),
    ("first_response_h", "首次响应(工作小时)"), ("resolution_h", "解决用时(工作小时)"),
    ("responded_in_time", "按时响应"), ("resolution", "解决方式"), ("overdue", "超时"),
    ("reopened", "重新打开"), ("rating_score", "评分"), ("rating_solved", "居民认为已解决"),
    ("summary", "公开摘要"),
)  # fmt: skip
_PERSONAL_COLUMNS = (
    ("description", "反映内容"), ("outcome", "办理结果"), ("resident_name", "居民"),
    ("phone", "电话"), ("location_text", "地点"),
)  # fmt: skip


def to_json(report: Report) -> dict[str, Any]:
    """The report as one JSON-ready object: the totals at the top level, then the groups."""
    out: dict[str, Any] = {
        "period": report.period.label,
        "start": report.period.start.isoformat(),
        "end": report.period.end.isoformat(),
        "generated_at": report.generated_at.isoformat(),
        "with_personal_data": report.with_personal_data,
        **asdict(report.totals),
    }
    out["by_category"] = {
        g.key: {"title": g.title, **asdict(g.figures)} for g in report.by_category
    }
    out["by_community"] = {
        g.key: {"title": g.title, **asdict(g.figures)} for g in report.by_community
    }
    out["by_unit"] = {g.key: {"title": g.title, **asdict(g.figures)} for g in report.by_unit}
    out["by_channel"] = {g.key: {"title": g.title, **asdict(g.figures)} for g in report.by_channel}
    out["by_staff"] = {g.key: asdict(g.figures) for g in report.by_staff}
    out["knowledge_base"] = asdict(report.kb)
    out["trend"] = [
        {"start": p.start.isoformat(), "received": p.received, "resolved": p.resolved}
        for p in report.trend
    ]
    out["tickets"] = [_ticket_record(report, row) for row in report.tickets]
    return out


def to_json_text(report: Report) -> str:
    """``to_json`` as text, Chinese kept readable."""
    return json.dumps(to_json(report), ensure_ascii=False, indent=2)


def figure_rows(report: Report) -> list[list[Any]]:
    """The figures sheet: a header, the totals, then one row per category/community/staff."""
    header = ["维度", "名称", *(FIGURE_LABELS[k] for k in FIGURE_KEYS)]
    rows: list[list[Any]] = [header, ["合计", report.period.label, *_values(report.totals)]]
    for attr, label in _GROUP_KINDS:
        for group in getattr(report, f"by_{attr}"):
            rows.append([label, group.title, *_values(group.figures)])
    kb = report.kb
    rows.append([])
    rows.append(["知识库", "提问", "自动回答", "给出建议", "未能回答", "👍", "👎", "建议都不是"])
    rows.append(["知识库", kb.asked, kb.answered, kb.suggested, kb.unanswered, kb.thumbs_up,
                 kb.thumbs_down, kb.none_fit])  # fmt: skip
    return rows


def ticket_rows(report: Report) -> list[list[Any]]:
    """The tickets sheet: a header and one row per ticket received in the period."""
    columns = _columns(report)
    rows: list[list[Any]] = [[label for _, label in columns]]
    for row in report.tickets:
        record = _ticket_record(report, row)
        rows.append([record[key] for key, _ in columns])
    return rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet program read a cell as a formula (OWASP's list)."""


def inert_text(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never runs: text a resident wrote
    (``=HYPERLINK(...)``) gets a leading apostrophe, which Excel and LibreOffice hide."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: list[list[Any]]) -> bytes:
    """Rows as CSV in UTF-8 with a byte-order mark, so that Excel shows the Chinese right;
    no cell starts a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if value is None else inert_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(report: Report) -> bytes:
    """A workbook with a sheet of figures (指标) and a sheet of tickets (工单)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "指标"
    _fill(sheet, figure_rows(report))
    _fill(book.create_sheet("工单"), ticket_rows(report))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill(sheet: Any, rows: list[list[Any]]) -> None:
    """Append ``rows``; text is stored as text, so no cell is ever a formula (openpyxl
    takes a string starting with "=" for one) and the value reads exactly as written."""
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)


def _values(figures: Figures) -> list[Any]:
    values: list[Any] = []
    for key in FIGURE_KEYS:
        source: Any = figures
        for part in key.split("."):  # "callbacks.made": a figure of the callbacks object
            source = getattr(source, part)
        values.append(source)
    return values


def _columns(report: Report) -> tuple[tuple[str, str], ...]:
    return _TICKET_COLUMNS + (_PERSONAL_COLUMNS if report.with_personal_data else ())


def _ticket_record(report: Report, row: TicketRow) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, _ in _columns(report):
        value = getattr(row, key)
        if isinstance(value, datetime):
            value = value.astimezone(report.tz).strftime("%Y-%m-%d %H:%M")
        record[key] = value
    return record
