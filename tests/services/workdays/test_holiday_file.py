"""The operator's holiday file: what a good file gives, and every mistake named with its line."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from services.workdays.holidays import HolidayFileError, load_holiday_file, parse_holiday_file

EXAMPLE = Path(__file__).resolve().parents[3] / "holidays.example.yaml"

GOOD = """\
# a year far beyond chinese-calendar's data, so that only the file speaks for it
2100:
  holidays:
    - 2100-01-01                  # a single day
    - 2100-02-08 .. 2100-02-12    # a range, spaces allowed
  workdays:
    - "2100-02-13"                # quoted is fine too
2101:
  holidays: [2100-12-31..2101-01-01]   # may start in the December before
"""


def problems(text: str) -> list[str]:
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_file(text, "h.yaml")
    return caught.value.problems


def test_a_good_file() -> None:
    file = parse_holiday_file(GOOD, "h.yaml")
    assert file.years == {2100, 2101}
    assert file.source == "h.yaml"
    holidays = {date(2100, 1, 1), *(date(2100, 2, d) for d in range(8, 13))}
    holidays |= {date(2100, 12, 31), date(2101, 1, 1)}
    assert {day for day, working in file.days.items() if not working} == holidays
    assert {day for day, working in file.days.items() if working} == {date(2100, 2, 13)}
    assert file.is_workday(date(2100, 2, 13)) is True
    assert file.is_workday(date(2100, 2, 8)) is False
    assert file.is_workday(date(2100, 2, 15)) is None  # not named: the calendar decides


def test_a_year_without_workdays_is_fine() -> None:
    file = parse_holiday_file("2100:\n  holidays:\n    - 2100-01-01\n  workdays:\n", "h.yaml")
    assert file.days == {date(2100, 1, 1): False}


def test_the_example_is_chinese_calendars_2026_in_the_files_format() -> None:
    """The example shows real dates (the library's), not invented ones: read by the file's
    rule (named days as written, other days Monday-Friday) it gives the library's 2026."""
    file = load_holiday_file(EXAMPLE)
    assert file.years == {2026}
    day = date(2026, 1, 1)
    while day.year == 2026:
        named = file.is_workday(day)
        by_file = named if named is not None else day.weekday() < 5
        assert by_file == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2100:\n  holidays:\n    - 2100-02-30\n",
            "h.yaml:3: '2100-02-30' is not a date: write YYYY-MM-DD, or a range "
            "YYYY-MM-DD..YYYY-MM-DD",
        ),
        (
            "2100:\n  holidays:\n    - 2100-01-01\n    - 2100-02-08..2100-2-12\n",
            "h.yaml:4: '2100-2-12' is not a date: write YYYY-MM-DD, or a range "
            "YYYY-MM-DD..YYYY-MM-DD",
        ),
        (
            "2100:\n  holidays:\n    - 2100-02-08..\n",
            "h.yaml:3: '2100-02-08..' is not a date: write YYYY-MM-DD, or a range "
            "YYYY-MM-DD..YYYY-MM-DD",
        ),
        (
            "2100:\n  holidays:\n    - 2100-02-12..2100-02-08\n",
            "h.yaml:3: the range 2100-02-12..2100-02-08 ends before it starts",
        ),
        (
            "2100:\n  holidays:\n    - 2100-02-08..2100-02-12\n  workdays:\n    - 2100-02-10\n",
            "h.yaml:5: 2100-02-10 is listed both as a holiday and as a workday (lines 3 and 5)",
        ),
        (
            "2100:\n  holidays:\n    - 2101-01-01\n",
            "h.yaml:3: 2101-01-01 is not in 2100 (or the December before it)",
        ),
        (
            "2100:\n  holidays:\n    - {name: 春节}\n",
            "h.yaml:3: this entry is not a date or a range: write YYYY-MM-DD, or a range "
            "YYYY-MM-DD..YYYY-MM-DD",
        ),
        (
            "2100:\n  holidays: 2100-01-01\n",
            "h.yaml:2: holidays of 2100 must be a list of dates and ranges",
        ),
        ("2100:\n  workdays:\n    - 2100-02-13\n", "h.yaml:2: 2100 lists no holidays"),
        ("2100:\n  holidays: []\n", "h.yaml:2: 2100 lists no holidays"),
        ("2100:\n", "h.yaml:1: 2100 must list its holidays (and workdays, if any)"),
        (
            "2100:\n  holidays: [2100-01-01]\n  workday: [2100-02-13]\n",
            "h.yaml:3: unknown key 'workday' under 2100: use holidays, workdays",
        ),
        (
            "next year:\n  holidays: [2100-01-01]\n",
            "h.yaml:1: 'next year' is not a year such as 2027",
        ),
        (
            "2100:\n  holidays: [2100-01-01]\n2100:\n  holidays: [2100-01-02]\n",
            "h.yaml:3: year 2100 appears twice (first on line 1)",
        ),
        ("# only a comment\n", "h.yaml:1: the file must map years to their holidays and workdays"),
        ("- 2100-01-01\n", "h.yaml:1: the file must map years to their holidays and workdays"),
        (
            "2100:\n  holidays: [2100-01-01\n",
            "h.yaml:3: not valid YAML: did not find expected ',' or ']'",
        ),
    ],
)
def test_each_mistake_is_named_with_its_line(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_every_problem_is_reported_in_line_order() -> None:
    text = (
        "2100:\n"
        "  holidays:\n"
        "    - 2100-13-01\n"
        "  workdays:\n"
        "    - 2100-02-13..2100-02-06\n"
        "  notes: [x]\n"
    )
    found = problems(text)
    assert [p.split(":")[1] for p in found] == ["3", "5", "6"]


def test_an_unreadable_file_is_a_problem_too(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_bytes(b"2100:\n  holidays: [\xff]\n")
    with pytest.raises(HolidayFileError) as caught:
        load_holiday_file(path)
    assert caught.value.problems[0].startswith(f"{path}: cannot read the holiday file")
