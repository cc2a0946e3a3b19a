"""``linli resident export|forget``: the operator's side of a resident's own data."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from storage import Database
from storage.migrate import upgrade
from storage.models import Resident, ResidentBan, Ticket
from storage.repositories.privacy import ERASED
from tests.services import report_tickets as data


@pytest.fixture(autouse=True)
def october(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"

    async def fill() -> None:
        db = Database(url)
        await upgrade(db)
        await data.add_october(db)
        await db.dispose()

    asyncio.run(fill())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    return url


def descriptions(url: str) -> list[str]:
    async def read() -> list[str]:
        db = Database(url)
        async with db.transaction() as session:
            rows = list(await session.scalars(select(Ticket.description).order_by(Ticket.id)))
        await db.dispose()
        return rows

    return asyncio.run(read())


def test_export_prints_the_mydata_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resident", "export", str(data.WANG)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["profile"]["display_name"] == "王阿姨"
    assert [t["number"] for t in document["tickets"]][:2] == ["2610-0001", "2610-0002"]
    assert main(["resident", "export", "999"]) == 1
    assert "holds nothing about 999" in capsys.readouterr().err


def test_forget_asks_unless_yes(
    october: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["resident", "forget", str(data.WANG)]) == 1
    assert "Not changed" in capsys.readouterr().out
    assert descriptions(october)[0] == data.T1_TEXT

    assert main(["resident", "forget", str(data.WANG), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "6 ticket(s) anonymised" in out and "Kept for the figures" in out
    assert descriptions(october)[0] == ERASED
    assert descriptions(october)[2] != ERASED  # 张三's own
    assert main(["resident", "export", str(data.WANG)]) == 1


def test_forget_of_a_staff_member_removes_the_role(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resident", "forget", str(data.STAFF_A), "--yes"]) == 0
    assert "(staff)" in capsys.readouterr().out
    assert main(["staff", "list"]) == 0
    assert "张社工" not in capsys.readouterr().out


def test_ban_and_unban_by_the_operator(october: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resident", "ban", str(data.WANG), "--reason", "电话里多次辱骂"]) == 0
    assert "is banned from asking and filing" in capsys.readouterr().out
    assert main(["resident", "ban", str(data.WANG)]) == 1
    assert "by the operator, reason: 电话里多次辱骂); not changed" in capsys.readouterr().err
    assert main(["resident", "ban", str(data.STAFF_A)]) == 1
    assert "cannot be banned" in capsys.readouterr().err
    assert main(["resident", "ban", "999"]) == 1
    assert "holds nothing about 999" in capsys.readouterr().err
    assert bans(october) == [(data.WANG, None, "电话里多次辱骂", False)]

    assert main(["resident", "unban", str(data.WANG)]) == 0
    assert "is lifted" in capsys.readouterr().out
    assert main(["resident", "unban", str(data.WANG)]) == 1
    assert "is not banned; not changed" in capsys.readouterr().err
    assert bans(october) == [(data.WANG, None, "电话里多次辱骂", True)]


def bans(url: str) -> list[tuple[int, int | None, str, bool]]:
    async def read() -> list[tuple[int, int | None, str, bool]]:
        db = Database(url)
        async with db.transaction() as session:
            rows = await session.execute(
                select(
                    Resident.telegram_id,
                    ResidentBan.banned_by,
                    ResidentBan.reason,
                    ResidentBan.lifted_at.is_not(None),
                )
                .join(Resident, Resident.id == ResidentBan.resident_id)
                .order_by(ResidentBan.id)
            )
            found = [(a, b, c, bool(d)) for a, b, c, d in rows.all()]
        await db.dispose()
        return found

    return asyncio.run(read())
