"""How long confirming a notice to N residents takes: the fan-out into N outbox rows.

The fan-out writes one bulk-priority outbox row per recipient in the confirming transaction
(quiet hours computed per resident, languages per resident). Residents are inserted first
(not timed). Runs on a temp SQLite file and, with ``--postgres URL``, on a fresh database
created on that server and dropped afterwards. Also times a second fan-out of the same
notice (idempotent: it must add no rows). Prints one JSON object.

    .venv/bin/python benchmarks/bench_fanout.py --recipients 100000 \\
        --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.notices.broadcasts import NoticeService
from services.notices.fanout import queue_notice
from services.workdays.worktime import TIMEZONE
from storage import Database, Role
from storage.db import normalise_url
from storage.migrate import upgrade
from storage.models import Notice, Resident
from storage.repositories.residents import set_resident_role

NOW = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai: some wait, most not
OFFICIAL = 1
TEXT = "【停水通知】因管网维修，11月3日9:00至12:00幸福小区1-5号楼停水，请提前储水。" * 3


async def _residents(db: Database, count: int) -> None:
    rows = [
        {
            "telegram_id": 1_000_000 + i,
            "chat_id": 1_000_000 + i,
            "display_name": "",
            "language": ("zh-Hans", "zh-Hant", "en")[i % 3],
            "role": Role.RESIDENT,
            "active": True,
            "first_seen": NOW,
            "last_seen": NOW,
            # One resident in ten keeps 21:00-07:00 quiet hours.
            "quiet_start_minute": 21 * 60 if i % 10 == 0 else 22 * 60,
        }
        for i in range(count)
    ]
    async with db.transaction() as session:
        for start in range(0, count, 5000):
            await session.execute(insert(Resident), rows[start : start + 5000])
        await set_resident_role(session, OFFICIAL, Role.OFFICIAL, now=NOW)


async def _measure(db: Database, count: int) -> dict[str, float | int]:
    await upgrade(db)
    await _residents(db, count)
    service = NoticeService(db, lambda: NOW)
    draft = await service.create_draft(OFFICIAL, TEXT)
    started = time.perf_counter()
    view = await service.confirm(OFFICIAL, draft.id)
    first = time.perf_counter() - started
    started = time.perf_counter()
    async with db.transaction() as session:
        notice = await session.scalar(select(Notice).where(Notice.id == draft.id))
        assert notice is not None
        again = await queue_notice(
            session, notice, now=NOW, tz=TIMEZONE, default_language="zh-Hans"
        )
    second = time.perf_counter() - started
    return {
        "rows": view.recipients or 0,
        "rows_after_second_fanout": again,
        "fanout_s": round(first, 2),
        "rows_per_s": round((view.recipients or 0) / first),
        "second_fanout_s": round(second, 2),
    }


async def _postgres(server: str, count: int) -> dict[str, float | int]:
    url = normalise_url(server)
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    name = f"linli_bench_{secrets.token_hex(4)}"
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        return await _measure(db, count)
    finally:
        await db.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def main(count: int, postgres: str | None) -> dict[str, object]:
    result: dict[str, object] = {"recipients": count + 1}
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}")
        try:
            result["sqlite"] = await _measure(db, count)
        finally:
            await db.dispose()
    if postgres:
        result["postgresql"] = await _postgres(postgres, count)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--postgres", help="server URL; a scratch database is created on it")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.recipients, args.postgres))))
