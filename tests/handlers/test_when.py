"""Dates and times as residents and staff read them: one format, in the district's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.filing.render import filed_text
from handlers.render import when
from services.tickets import TicketView
from services.workdays.worktime import TIMEZONE

FILED = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_one_format_per_language_in_shanghai_time() -> None:
    assert when("zh-Hans", FILED) == "11月2日 10:00"
    assert when("zh-Hant", FILED.isoformat()) == "11月2日 10:00"
    assert when("en", FILED) == "2 Nov 10:00"  # not 2/11: 2 November or 11 February?


def test_residents_see_the_same_format_as_staff() -> None:
    ticket = TicketView(
        number="2611-0042", category="noise", status="new", description="夜里施工",
        location_text="幸福小区", latitude=None, longitude=None, photos=(), anonymous=False,
        is_owner=True, created_at=FILED, response_due_at=FILED + timedelta(hours=4),
        resolution_due_at=FILED + timedelta(days=3), is_overdue=False, reject_reason=None,
        merged_into=None, rating_solved=None, rating_score=None, can_follow_up=True,
        timeline=(),
    )  # fmt: skip
    assert "11月2日 14:00 前受理" in filed_text("zh-Hans", ticket, TIMEZONE)


def test_a_time_in_another_year_than_the_one_it_moves_from_shows_its_year() -> None:
    moved = datetime(2027, 3, 5, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai
    assert when("zh-Hans", moved, since=FILED) == "2027年3月5日 17:30"
    assert when("en", moved.isoformat(), since=FILED.isoformat()) == "5 Mar 2027 17:30"
    assert when("zh-Hans", FILED + timedelta(days=3), since=FILED) == "11月5日 10:00"
