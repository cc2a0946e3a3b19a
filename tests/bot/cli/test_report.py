"""``linli report``: JSON on stdout, xlsx and CSV files, clear answers to bad periods."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
from dataclasses import fields
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import update

from bot.cli import report as report_cli
from services.reports.model import Figures
from storage import Database
from storage.migrate import upgrade
from storage.models import Ticket
from tests.services import report_tickets as data

# A group in the JSON: its title and every figure (callbacks as one object, as at the top).
GROUP_KEYS = {"title", *(f.name for f in fields(Figures))}


def linli_report(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="linli")
    report_cli.add_report_commands(parser.add_subparsers())
    args = parser.parse_args(["report", *argv])
    return int(args.func(args))


@pytest.fixture(autouse=True)
def october(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"

    async def fill() -> None:
        db = Database(url)
        await upgrade(db)
        await data.add_october(db)
        await db.dispose()

    asyncio.run(fill())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    monkeypatch.setattr(report_cli, "_now", lambda: data.NOW)


def test_json_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert linli_report("--period", "2026-10", "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["received"], out["response_rate"], out["confirmed_resolution_rate"]) == (
        8,
        0.7143,
        0.2857,
    )
    assert out["by_category"]["noise"]["received"] == 3
    assert data.PHONE not in json.dumps(out)


def test_files_and_personal_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert linli_report("--period", "2026-10", "--format", "xlsx") == 0
    book = openpyxl.load_workbook(tmp_path / "linli-report-2026-10.xlsx")
    assert data.PHONE not in str(list(book["工单"].values))
    out = tmp_path / "full.xlsx"
    assert linli_report("--period", "2026-10", "--format", "xlsx", "--out", str(out),
                        "--with-personal-data") == 0  # fmt: skip
    assert data.PHONE in str(list(openpyxl.load_workbook(out)["工单"].values))
    assert "with personal data" in capsys.readouterr().err
    assert linli_report("--period", "2026-10", "--format", "csv", "--out", "r.csv") == 0
    with (tmp_path / "r-tickets.csv").open(encoding="utf-8-sig") as fh:
        assert len(list(csv.reader(fh))) == 9


@pytest.mark.parametrize(
    ("period", "said"),
    [("2026-13", "Cannot read the period"), ("2027-01", "has not started yet")],
)
def test_bad_periods(period: str, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert linli_report("--period", period) == 2
    assert said in capsys.readouterr().err


def test_empty_period_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert linli_report("--period", "2026-06") == 0
    captured = capsys.readouterr()
    assert "No tickets and no questions in 2026-06" in captured.err
    assert json.loads(captured.out)["received"] == 0


@pytest.mark.parametrize(
    ("fmt", "out"), [("xlsx", "missing/dir/r.xlsx"), ("csv", "."), ("json", "missing/r.json")]
)
def test_an_unwritable_out_file_is_one_clear_line(
    fmt: str, out: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert linli_report("--period", "2026-10", "--format", fmt, "--out", out) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Cannot write {out}") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_json_by_community_names_configured_communities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    district = tmp_path / "district"
    district.mkdir()
    (district / "d.yaml").write_text(
        "communities:\n  - {id: east, name: 东园社区, buildings: [1号楼]}\n", encoding="utf-8"
    )
    monkeypatch.setenv("LINLI_DISTRICT_DIR", str(district))
    wang = [row[0] for row in data.TICKETS if row[2] == data.WANG][:2]

    async def place() -> None:  # two of 王阿姨's tickets were filed with a configured place
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3")
        async with db.transaction() as session:
            await session.execute(
                update(Ticket).where(Ticket.number.in_(wang)).values(community="east")
            )
        await db.dispose()

    asyncio.run(place())
    assert linli_report("--period", "2026-10", "--format", "json") == 0
    by_community = json.loads(capsys.readouterr().out)["by_community"]
    received = {key: (group["title"], group["received"]) for key, group in by_community.items()}
    assert received == {
        "east": ("东园社区", 2),
        "幸福小区": ("幸福小区", 2),  # older tickets: their filer's tag, as before
        "阳光花园": ("阳光花园", 2),
        "未标注": ("未标注", 2),  # residents without a community
    }
    assert set(by_community["east"]) == GROUP_KEYS


def test_json_by_channel_counts_tickets_recorded_on_behalf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = [row[0] for row in data.TICKETS][:2]

    async def record() -> None:  # two tickets were recorded by staff for residents who phoned
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3")
        async with db.transaction() as session:
            await session.execute(
                update(Ticket)
                .where(Ticket.number.in_(recorded))
                .values(channel="phone", on_behalf_name="王阿姨")
            )
        await db.dispose()

    asyncio.run(record())
    assert linli_report("--period", "2026-10", "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    by_channel = out["by_channel"]
    received = {key: (group["title"], group["received"]) for key, group in by_channel.items()}
    assert received == {"telegram": ("Telegram", 6), "phone": ("电话", 2)}
    assert set(by_channel["phone"]) == GROUP_KEYS
    assert out["received"] == 8  # the totals (and the three rates) count them all
    assert "王阿姨" not in json.dumps(out)  # the caller's name is personal data
