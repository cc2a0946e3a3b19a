"""WorkCalendar with the operator's holiday file: the file's days first, then the library,
then Monday-Friday for a year the file declares, and a warning only for years nobody knows."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.workdays.holidays import parse_holiday_file
from services.workdays.worktime import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")

# 2100 is far beyond chinese-calendar's data, so only the file speaks for it. The 2026 days
# are made up on purpose, to show that the file wins over the library.
FILE = """\
2100:
  holidays:
    - 2100-02-08..2100-02-12   # Monday to Friday
  workdays:
    - 2100-02-13               # Saturday
2026:
  holidays:
    - 2026-11-30               # a Monday the library counts as a working day
  workdays:
    - 2026-11-29               # a Sunday
"""


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar(holidays=parse_holiday_file(FILE, "holidays.yaml"))


def test_the_files_days_win_over_the_library(cal: WorkCalendar) -> None:
    assert WorkCalendar().is_workday(date(2026, 11, 30))
    assert not cal.is_workday(date(2026, 11, 30))
    assert cal.is_workday(date(2026, 11, 29))


def test_the_library_still_answers_for_days_the_file_does_not_name(cal: WorkCalendar) -> None:
    assert not cal.is_workday(date(2026, 10, 1))  # National Day, from the library
    assert cal.is_workday(date(2026, 10, 10))  # a 调休 Saturday, from the library
    assert cal.is_workday(date(2026, 12, 1))


def test_a_year_in_the_file_is_known_and_counts_monday_to_friday_otherwise(
    cal: WorkCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="services.workdays.worktime"):
        assert cal.is_workday(date(2100, 2, 15))  # Monday, not named
        assert not cal.is_workday(date(2100, 2, 14))  # Sunday, not named
        assert not cal.is_workday(date(2100, 2, 8))  # Monday, a holiday in the file
    assert caplog.records == []
    assert cal.coverage(2100).covered and cal.coverage(2100).in_file
    assert not cal.coverage(2100).in_library


def test_working_hours_skip_a_holiday_week_from_the_file(cal: WorkCalendar) -> None:
    # Friday 5 February 2100, 16:30: one hour that day; 8-12 February are holidays in the
    # file; Saturday 13 February is worked (8.5 h); the last half hour falls on Monday 15th.
    assert cal.add_working_hours(at(2100, 2, 5, 16, 30), 10) == at(2100, 2, 15, 9, 30)
    assert cal.working_hours_between(at(2100, 2, 5, 16, 30), at(2100, 2, 15, 9, 30)) == (
        pytest.approx(10)
    )
    # Without the file: one hour on Friday, 8.5 on Monday 8th, half an hour on Tuesday 9th.
    plain = WorkCalendar()
    assert plain.add_working_hours(at(2100, 2, 5, 16, 30), 10) == at(2100, 2, 9, 9, 30)


def test_a_year_nobody_knows_falls_back_with_one_warning(
    cal: WorkCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="services.workdays.worktime"):
        assert cal.is_workday(date(2102, 1, 3))  # a Tuesday
        assert not cal.is_workday(date(2102, 1, 7))  # a Saturday
        cal.add_working_hours(at(2102, 1, 3, 9), 40)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "2102" in warnings[0] and "LINLI_HOLIDAYS_FILE" in warnings[0]


def test_coverage_and_the_years_not_covered(cal: WorkCalendar) -> None:
    both = cal.coverage(2026)
    assert (both.in_library, both.in_file) == (True, True)
    library = cal.coverage(2025)
    assert (library.in_library, library.in_file) == (True, False)
    assert not cal.coverage(2099).covered
    assert cal.years_not_covered(date(2099, 11, 26), date(2100, 1, 25)) == [2099]
    assert cal.years_not_covered(date(2100, 11, 26), date(2101, 1, 25)) == [2101]
    assert WorkCalendar().years_not_covered(date(2026, 6, 1), date(2026, 7, 31)) == []
