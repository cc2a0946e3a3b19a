"""``linli canned list|add|remove``: the operator's side of the canned replies, on the
database the bot uses (what the table holds afterwards is checked, not only the output)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from storage import Database
from storage.migrate import upgrade
from storage.models import CannedReply


@pytest.fixture(autouse=True)
def url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"

    async def migrate() -> None:
        db = Database(url)
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    return url


def rows(url: str) -> list[tuple[int, str, str | None, str, int | None, bool]]:
    async def read() -> list[tuple[int, str, str | None, str, int | None, bool]]:
        db = Database(url)
        async with db.transaction() as session:
            found = await session.scalars(select(CannedReply).order_by(CannedReply.id))
            result = [
                (r.id, r.action, r.category, r.text, r.created_by, r.removed_at is not None)
                for r in found
            ]
        await db.dispose()
        return result

    return asyncio.run(read())


def test_list_shows_the_bundled_sample_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["canned", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 8 and all(line.endswith("(sample)") for line in out)
    assert "#2\treply\t*\t已收到您反映的问题，我们将在{due}前处理完毕。 (sample)" in out


def test_add_and_remove_change_the_table(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["canned", "add", "resolve", "noise", "噪音问题已处理，{number} 办结。"]) == 0
    assert capsys.readouterr().out == "added #9\tresolve\tnoise\t噪音问题已处理，{number} 办结。\n"
    assert rows(url)[-1] == (9, "resolve", "noise", "噪音问题已处理，{number} 办结。", None, False)
    assert main(["canned", "remove", "9"]) == 0
    assert rows(url)[-1][-1] is True
    assert main(["canned", "remove", "9"]) == 1
    assert "There is no canned reply 9 in use." in capsys.readouterr().err
    assert main(["canned", "list"]) == 0
    assert "#9\t" not in capsys.readouterr().out
    assert main(["canned", "list", "--all"]) == 0
    record = capsys.readouterr().out.splitlines()
    assert record[0].endswith(" by bundled")
    [removed] = [line for line in record if line.startswith("#9\t")]
    assert removed.startswith("#9\tresolve\tnoise\t噪音问题已处理，{number} 办结。\tadded ")
    assert removed.endswith(" by operator") and ", removed " in removed


@pytest.mark.parametrize(
    "argv",
    [
        ["canned", "add", "reply", "*", "请于{foo}前答复"],
        ["canned", "add", "reply", "nosuch", "好的"],
        ["canned", "add", "reply", "*", "  "],
    ],
)
def test_bad_input_adds_nothing(
    url: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = rows(url)
    assert main(argv) == 1
    assert capsys.readouterr().err.startswith("Not added: ")
    assert rows(url) == before
