"""``linli bulletin add|list|remove`` on a temp SQLite database."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.cli.bulletin import add_bulletin_commands


@pytest.fixture(autouse=True)
def embedded_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3")


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="linli")
    add_bulletin_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


WEEKLY = ("--name", "每周居务公开", "--every", "weekly", "--at", "09:00", "--weekday", "mon")


def test_add_list_remove(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run("bulletin", "list") == 0
    assert "No bulletins yet" in capsys.readouterr().out
    text = "本周受理{week_received}件，办结{week_resolved}件"
    assert run("bulletin", "add", *WEEKLY, "--topic", "disclosure", "--text", text) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Added bulletin #1: 每周居务公开\tweekly at 09:00 on mon\tto topic disclosure"
    )
    template = tmp_path / "quarter.txt"
    template.write_text("{period}工作总结：受理{received}件\n详情见服务中心。", encoding="utf-8")
    quarterly = ("--name", "季度总结", "--every", "quarterly", "--at", "10:30", "--day", "5")
    assert run("bulletin", "add", *quarterly, "--all", "--text-file", str(template)) == 0
    capsys.readouterr()
    assert run("bulletin", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "#1\t每周居务公开\tweekly at 09:00 on mon\tto topic disclosure\tnext "
    )
    assert lines[1].startswith("#2\t季度总结\tquarterly at 10:30 on day 5\tto all\tnext ")
    assert lines[1].endswith("{period}工作总结：受理{received}件")
    assert run("bulletin", "remove", "1") == 0
    assert "Removed bulletin #1 (每周居务公开)" in capsys.readouterr().out
    assert run("bulletin", "remove", "1") == 1
    assert "Not found: bulletin 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--topic", "disclosure", "--text", "本周{week_recieved}件"), "unknown placeholder"),
        (("--topic", "gossip", "--text", "x"), "unknown topic 'gossip'"),
        (("--all", "--text", "x", "--day", "3"), "day of the month is needed"),
        (("--all", "--text", "   "), "text is empty"),
    ],
)
def test_bad_input_is_explained(
    capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    assert run("bulletin", "add", *WEEKLY, *extra) == 2
    assert message in capsys.readouterr().err


def test_bad_time_and_weekday(capsys: pytest.CaptureFixture[str]) -> None:
    daily = ("--name", "日报", "--every", "daily", "--all", "--text", "x")
    assert run("bulletin", "add", *daily, "--at", "25:00") == 2
    assert "not a time of day" in capsys.readouterr().err
    weekly = ("--name", "周报", "--every", "weekly", "--at", "9:00", "--all", "--text", "x")
    assert run("bulletin", "add", *weekly, "--weekday", "someday") == 2
    assert "not a weekday" in capsys.readouterr().err


def test_missing_audience_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run("bulletin", "add", *WEEKLY, "--text", "x")
    assert "one of the arguments --all --topic" in capsys.readouterr().err
