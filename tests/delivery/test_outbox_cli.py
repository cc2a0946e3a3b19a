"""``linli outbox dead|counts`` on a temp SQLite database."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.outbox import add_outbox_commands
from services.delivery import DeliveryService, RetryPolicy
from services.residents.service import ResidentService
from storage import Database
from storage.migrate import upgrade
from storage.repositories import outbox as outbox_repo


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="linli")
    add_outbox_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


async def _one_dead_letter(url: str) -> None:
    db = Database(url)
    await upgrade(db)
    now = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    service = DeliveryService(
        db, ResidentService(db, lambda: now, "zh-Hans"), policy=RetryPolicy(max_attempts=1)
    )
    for key in ("notice:3:201", "notice:3:202"):
        async with db.transaction() as session:
            await outbox_repo.add_message(
                session,
                chat_id=201,
                telegram_id=201,
                language="zh-Hans",
                message_key="feedback.thanks",
                params={},
                idempotency_key=key,
                now=now,
            )
    [message, _] = await service.claim(2, bulk=False)
    await service.record_failure(message, "TimedOut: timed out")
    await db.dispose()


def test_dead_and_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}"
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    asyncio.run(_one_dead_letter(url))

    assert _run(["outbox", "dead"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "2026-03-02 09:30" in out  # shown in Asia/Shanghai
    assert "feedback.thanks" in out and "TimedOut: timed out" in out and "notice:3:201" in out

    assert _run(["outbox", "counts"]) == 0
    assert capsys.readouterr().out.splitlines()[:4] == [
        "pending\t0",
        "sending\t1",
        "sent\t0",
        "dead\t1",
    ]


def test_no_dead_letters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}")
    monkeypatch.chdir(tmp_path)
    assert _run(["outbox", "dead", "--limit", "5"]) == 0
    assert "No dead letters" in capsys.readouterr().out
