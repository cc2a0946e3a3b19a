"""Readable parameters for outbox messages, applied by the delivery worker at send time.

Services store raw values in outbox rows (category ids, UTC ISO times, status ids); each
area of the catalogs turns its own keys' parameters into what a person should read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from handlers.admin import calendar_render
from handlers.filing import render as filing_render
from handlers.staff import render as staff_render

Formatter = Callable[[str, str, Mapping[str, Any]], dict[str, Any]]

# Message-key prefix → the formatter of that catalog area.
FORMATTERS: dict[str, Formatter] = {
    "calendar.": calendar_render.outbox_params,
    "staff.": staff_render.outbox_params,
    "ticket.": filing_render.outbox_params,
}


def readable(message_key: str, language: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters to format ``message_key`` with, in ``language``."""
    for prefix, formatter in FORMATTERS.items():
        if message_key.startswith(prefix):
            return formatter(message_key, language, params)
    return dict(params)
