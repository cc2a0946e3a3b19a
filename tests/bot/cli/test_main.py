"""The ``linli`` command line: helpful answers to missing, wrong and absurd arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main


@pytest.fixture(autouse=True)
def embedded_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3")
    monkeypatch.delenv("LINLI_BOT_TOKEN", raising=False)


def test_run_without_token_points_to_console(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "LINLI_BOT_TOKEN" in err and "linli console" in err


def test_bad_setting_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINLI_TIMEZONE", "Nowhere/Land")
    assert main(["staff", "list"]) == 2
    assert capsys.readouterr().err.strip().startswith("Invalid setting LINLI_TIMEZONE")


def test_staff_roles_round_trip(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "list"]) == 0
    assert "No staff yet" in capsys.readouterr().out
    assert main(["staff", "add", "4242", "--role", "official"]) == 0
    assert main(["staff", "list"]) == 0
    assert "4242\tofficial" in capsys.readouterr().out
    assert main(["staff", "remove", "4242"]) == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    assert "No staff yet" in capsys.readouterr().out


def test_staff_added_with_a_name_are_listed_by_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "add", "4243", "--name", "赵社工"]) == 0
    assert main(["staff", "add", "4244"]) == 0
    assert main(["staff", "add", "4245", "--name", " "]) == 2  # nothing changes
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    listed = capsys.readouterr().out
    assert "4243\tstaff\t赵社工" in listed
    assert "4244\tstaff\t(no name yet" in listed and "4245" not in listed


@pytest.mark.parametrize(
    "argv",
    [
        ["staff", "add", "not-a-number"],
        ["staff", "add", "1", "--role", "king"],
        ["db"],
        ["kb"],
        ["frobnicate"],
    ],
)
def test_wrong_arguments_get_usage_not_a_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "usage: linli" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "console" in capsys.readouterr().out


def test_db_upgrade_creates_the_embedded_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert (tmp_path / "cli.sqlite3").exists()


def test_kb_unanswered_on_an_empty_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "unanswered"]) == 0
    assert "No unanswered" in capsys.readouterr().out
    assert main(["kb", "unanswered", "--since", "yesterday"]) == 2
    assert "--since takes a date" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["outbox", "dead", "--limit", "-3"], "-3 is not a count: give 1 or more"),
        (["calendar", "check", "0"], "0 is not a year: write four digits, e.g. 2027"),
        (["calendar", "check", "99999"], "99999 is not a year"),
        (["staff", "add", "-5"], "-5 is not a person"),
    ],
)
def test_absurd_numbers_are_refused_with_a_reason(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert says in capsys.readouterr().err


def test_a_reader_that_goes_away_gets_no_traceback(tmp_path: Path) -> None:
    # `linli report | head`: head exits before linli has written everything.
    argv = [
        sys.executable,
        "-m",
        "bot.cli.main",
        "report",
        "--period",
        "2026-11",
        "--format",
        "json",
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    child = subprocess.Popen(
        argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader is gone before the first write
    errors = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141
    assert "Traceback" not in errors and "BrokenPipe" not in errors


def test_run_with_a_broken_district_lists_its_problems_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    district = tmp_path / "district"
    district.mkdir()
    (district / "d.yaml").write_text("units:\n  - {id: u1, name: 单位, kind: bakery}\n", "utf-8")
    monkeypatch.setenv("LINLI_DISTRICT_DIR", str(district))
    monkeypatch.setenv("LINLI_BOT_TOKEN", "123456:TEST")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "The district's configuration (LINLI_DISTRICT_DIR) has problems" in err
    assert f"{district / 'd.yaml'}:2: unknown unit kind 'bakery'" in err
    assert f"{district / 'd.yaml'}:2: missing 'chat_id'" in err
