"""Due times in working hours across Chinese holidays and 调休 make-up working days."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.workdays.worktime import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_within_one_working_day(cal: WorkCalendar) -> None:
    assert cal.add_working_hours(at(11, 2, 10), 4) == at(11, 2, 14)


def test_evening_filing_starts_the_next_morning(cal: WorkCalendar) -> None:
    assert cal.add_working_hours(at(11, 2, 20), 2) == at(11, 3, 11)
    assert cal.add_working_hours(at(11, 2, 7), 1) == at(11, 2, 10)


def test_national_day_week_does_not_count(cal: WorkCalendar) -> None:
    # Wed 30 Sept 16:30 + 4h: one hour that day, 1-7 October are holidays, 8 Oct is worked.
    assert cal.add_working_hours(at(9, 30, 16, 30), 4) == at(10, 8, 12)


def test_a_make_up_saturday_is_a_working_day(cal: WorkCalendar) -> None:
    # Saturday 10 October 2026 is worked (调休) ; Sunday 11 October is not.
    assert cal.is_workday(at(10, 10, 12).date())
    assert not cal.is_workday(at(10, 11, 12).date())
    assert cal.add_working_hours(at(10, 9, 17), 1) == at(10, 10, 9, 30)


def test_spring_festival(cal: WorkCalendar) -> None:
    # Fri 13 Feb 17:00: half an hour left; Sat 14 Feb is a make-up day (8.5 h); then the
    # holiday runs 15-23 February and work resumes on Tuesday 24 February.
    assert cal.add_working_hours(at(2, 13, 17), 9) == at(2, 14, 17, 30)
    assert cal.add_working_hours(at(2, 13, 17), 10) == at(2, 24, 10)
    assert cal.working_hours_between(at(2, 13, 17), at(2, 24, 10)) == pytest.approx(10)


def test_years_without_holiday_data_fall_back_to_weekdays(
    cal: WorkCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="services.workdays.worktime"):
        # Friday 1 January 2100 14:00 + 8 h: 3.5 h that day, then Monday 4 January.
        assert cal.add_working_hours(at(1, 1, 14, year=2100), 8) == at(1, 4, 13, 30, year=2100)
        assert cal.add_working_hours(at(1, 4, 9, year=2100), 1) == at(1, 4, 10, year=2100)
    warnings = [r for r in caplog.records if "2100" in r.getMessage()]
    assert len(warnings) == 1


def test_result_keeps_the_callers_timezone(cal: WorkCalendar) -> None:
    utc = at(11, 2, 10).astimezone(ZoneInfo("UTC"))
    due = cal.add_working_hours(utc, 1)
    assert due.tzinfo == utc.tzinfo
    assert due == at(11, 2, 11)
