"""Figures for officials and the public: 响应率, 解决率, 满意率 and the rest, per period.

``ReportService`` reads a period and returns a ``Report``; every figure is defined in
docs/figures.md and computed in figures.py; exports (json, csv, xlsx) are in export.py.
"""

from services.reports.model import (
    UNASSIGNED,
    UNTAGGED,
    Figures,
    Group,
    KbFigures,
    Report,
    TicketRow,
    TrendPoint,
)
from services.reports.period import PERIOD_FORMATS, Period, PeriodError, month_period, parse_period
from services.reports.service import PersonalDataDenied, ReportService

__all__ = [
    "PERIOD_FORMATS",
    "UNASSIGNED",
    "UNTAGGED",
    "Figures",
    "Group",
    "KbFigures",
    "Period",
    "PeriodError",
    "PersonalDataDenied",
    "Report",
    "ReportService",
    "TicketRow",
    "TrendPoint",
    "month_period",
    "parse_period",
]
