"""The monthly disclosure (居务公开): the month's resolved complaints and the three rates.

A pure function of a Report, so the bulletin that sends it and the official who previews it
read the same text. Nothing residents wrote goes out: each complaint is its public summary
(services/tickets/summaries.py: what staff wrote for the public, scrubbed of personal data
by services.reports.scrub as a second line of defence, or else category · place at
building level · outcome) and the working time it took. Enquiries are questions, not
complaints, and are not listed.
"""

from __future__ import annotations

from datetime import date

from services.reports import Period, Report, TicketRow, month_period
from services.tickets.categories import ENQUIRY

MAX_ITEMS = 30  # a bulletin stays readable on a phone; the rest are counted, not listed


def previous_month(today: date) -> Period:
    """The month before ``today``'s (the bulletin sent on 1 December discloses November)."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return month_period(year, month)


def disclosure_text(report: Report) -> str:
    """The disclosure of ``report``'s period, in Simplified Chinese, free of personal data."""
    items = resolved_complaints(report)
    lines = [
        f"【居务公开】{_title(report.period)} 群众反映问题及办理情况",
        "",
        _counts(report),
        *_rates(report),
        "",
    ]
    if not items:
        lines.append("本期没有已办结的投诉。")
    else:
        lines.append(f"已办结的投诉（{len(items)} 件）：")
        lines += [_item(i, row) for i, row in enumerate(items[:MAX_ITEMS], start=1)]
        if len(items) > MAX_ITEMS:
            lines.append(f"……另有 {len(items) - MAX_ITEMS} 件，详情可到社区服务中心查询。")
    lines += ["", "（为保护居民隐私，以上只列出办理摘要，不含居民原话和个人信息。）"]
    return "\n".join(lines)


def resolved_complaints(report: Report) -> list[TicketRow]:
    """The period's complaints (not enquiries) that are resolved, in order of resolution."""
    rows = [r for r in report.tickets if r.resolution is not None and r.category != ENQUIRY]
    return sorted(rows, key=lambda r: (r.resolved_at or r.created_at, r.number))


def _title(period: Period) -> str:
    if period.kind == "month":
        return f"{period.start.year}年{period.start.month}月"
    return period.label


def _counts(report: Report) -> str:
    total = report.totals.received
    if total == 0:
        return "本期没有收到群众反映。"
    enquiries = sum(1 for r in report.tickets if r.category == ENQUIRY)
    return f"本期共受理群众反映 {total} 件，其中投诉 {total - enquiries} 件、咨询 {enquiries} 件。"


def _rates(report: Report) -> list[str]:
    f = report.totals
    return [
        f"响应率：{_percent(f.response_rate)}（{f.response_base} 件中 {f.responded_in_time} 件"
        "在时限内首次响应）",
        f"解决率：{_percent(f.resolution_rate)}（其中经居民确认解决 "
        f"{_percent(f.confirmed_resolution_rate)}）",
        f"满意率：{_percent(f.satisfaction_rate)}（共 {f.ratings} 条评价）",
    ]


def _percent(rate: float | None) -> str:
    return "暂无" if rate is None else f"{rate * 100:.1f}%"


def _item(index: int, row: TicketRow) -> str:
    took = "" if row.resolution_h is None else f"，用时 {row.resolution_h:g} 个工作小时"
    return f"{index}. {row.summary}{took}"
