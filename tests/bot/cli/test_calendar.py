"""``linli calendar check``, the start-up warning, and refusing to start on a broken file."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from bot.cli import calendar as calendar_cli
from bot.cli.main import main
from bot.runner import linli_services
from bot.settings import load_settings
from services.workdays.holidays import parse_holiday_file
from services.workdays.worktime import LIBRARY, WorkCalendar

GOOD = "2100:\n  holidays:\n    - 2100-02-08..2100-02-12\n  workdays:\n    - 2100-02-13\n"
BROKEN = "2100:\n  holidays:\n    - 2100-02-12..2100-02-08\n  workdays:\n    - 2100-02-31\n"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3")
    monkeypatch.delenv("LINLI_HOLIDAYS_FILE", raising=False)
    monkeypatch.delenv("LINLI_BOT_TOKEN", raising=False)


def holiday_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("LINLI_HOLIDAYS_FILE", str(path))
    return path


def today_is(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(calendar_cli, "_today", lambda settings: day)


def test_this_year_and_next_from_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = holiday_file(monkeypatch, tmp_path, GOOD)
    today_is(monkeypatch, date(2099, 11, 26))
    assert main(["calendar", "check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "2099\tnot covered: counted Monday–Friday",
        f"2100\tholiday file {path}",
        "Add the holidays and 调休 days of 2099 from the State Council's notice "
        f"(国务院办公厅关于2099年部分节假日安排的通知) to the holiday file {path}, "
        "or upgrade chinese-calendar once a release has them.",
    ]


def test_every_year_covered_exits_zero(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = holiday_file(monkeypatch, tmp_path, GOOD.replace("2100", "2026"))
    assert main(["calendar", "check", "2025", "2026", "2100"]) == 1
    capsys.readouterr()
    assert main(["calendar", "check", "2025", "2026"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"2025\t{LIBRARY}",
        f"2026\tholiday file {path} (the days it names), {LIBRARY} (the rest)",
    ]


def test_without_a_file_it_says_how_to_add_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "check", "2100"]) == 1
    out = capsys.readouterr().out
    assert "2100\tnot covered: counted Monday–Friday" in out
    assert "set LINLI_HOLIDAYS_FILE to it (format: holidays.example.yaml)" in out


@pytest.mark.parametrize("command", [["calendar", "check"], ["console"]])
def test_a_broken_file_is_refused_with_its_lines(
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = holiday_file(monkeypatch, tmp_path, BROKEN)
    assert main(command) == 2
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0] == "The holiday file (LINLI_HOLIDAYS_FILE) has problems; fix them and start again:"
    )
    assert err[1] == f"  {path}:3: the range 2100-02-12..2100-02-08 ends before it starts"
    assert err[2].startswith(f"  {path}:5: '2100-02-31' is not a date")


def test_linli_run_refuses_to_start_on_a_broken_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holiday_file(monkeypatch, tmp_path, BROKEN)
    monkeypatch.setenv("LINLI_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("LINLI_BOT_API_URL", "http://127.0.0.1:9")  # never reached
    assert main(["run"]) == 2
    assert "ends before it starts" in capsys.readouterr().err


def test_a_missing_file_is_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINLI_HOLIDAYS_FILE", str(tmp_path / "nowhere.yaml"))
    assert main(["calendar", "check"]) == 2
    assert capsys.readouterr().err.startswith("Invalid setting LINLI_HOLIDAYS_FILE")


async def test_the_services_share_the_calendar_with_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    holiday_file(monkeypatch, tmp_path, GOOD)
    async with linli_services(load_settings()) as services:
        calendar = services.calendar
        assert calendar.coverage(2100).in_file
        assert services.reminders.calendar is calendar
        assert services.reports.calendar is calendar


def test_start_up_warns_when_the_coming_year_is_unknown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar = WorkCalendar(holidays=parse_holiday_file(GOOD, "holidays.yaml"))
    with caplog.at_level(logging.WARNING, logger="linli.calendar"):
        assert calendar_cli.warn_if_calendar_runs_out(calendar, date(2100, 10, 1)) == []
        assert calendar_cli.warn_if_calendar_runs_out(calendar, date(2100, 11, 26)) == [2101]
        assert calendar_cli.warn_if_calendar_runs_out(WorkCalendar(), date(2026, 6, 1)) == []
    [warning] = caplog.records
    message = warning.getMessage()
    assert "2101" in message and "from 2101-01-01 due times count Monday-Friday" in message
    assert "国务院办公厅关于2101年部分节假日安排的通知" in message
