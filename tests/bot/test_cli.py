"""The ``linli`` command line: helpful answers to missing, wrong and absurd arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


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
