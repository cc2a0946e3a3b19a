"""Readable parameters for the admins' holiday alert (services/workdays/alerts.py).

The service stores the year, the ISO date from which due times count Monday–Friday only,
and the holiday file's path ("" when LINLI_HOLIDAYS_FILE is not set); the delivery worker
turns them into a date in the admin's language and a sentence about the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from handlers.i18n import t

_MONTHS = ("January", "February", "March", "April", "May", "June", "July")
_MONTHS += ("August", "September", "October", "November", "December")


def long_date(language: str, day: date) -> str:
    """``day`` as a person writes it: 2027年1月1日, or 1 January 2027 in English."""
    if language == "en":
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def outbox_params(message_key: str, language: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The alert's parameters made readable (the delivery worker's formatter hook)."""
    shown = dict(params)
    if message_key != "calendar.uncovered":
        return shown
    shown["start"] = long_date(language, date.fromisoformat(str(params["start"])))
    path = str(params.get("file") or "")
    shown["file"] = (
        t(language, "calendar.uncovered.file_set", path=path)
        if path
        else t(language, "calendar.uncovered.file_unset")
    )
    return shown
