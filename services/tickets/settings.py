"""The ticket desk's configuration (its own module: notify.py and the trail both read it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TicketSettings:
    """Knobs of the ticket desk; defaults suit the district's service centre."""

    staff_chat_id: int | None = None  # None: no staff cards are queued
    staff_language: str = "zh-Hans"
    default_language: str = "zh-Hans"
    auto_close_days: int = 7  # a resolved ticket nobody rated closes after this many days
    similarity_threshold: float = 60.0  # rapidfuzz WRatio, 0-100
    similar_limit: int = 3
