"""What the ban check adds to every question and filing: BanCheck.refuse_if_banned.

The check is one indexed read per call (Database.point_read: on an SQLite file, in the
event loop's thread), unless it follows the bans: on PostgreSQL a running bot keeps them in
memory, reloaded when the database announces a change, and the benchmark times that too
(``followed``, with the time to start following: LISTEN and the first load). The
benchmark fills a fresh database with N residents of whom B are banned (each with a lifted
ban before it, so the table holds history as it will), then times the check for residents
who are not banned (the common case: the read finds nothing) and for banned ones (the read
finds the row and Banned is raised). On SQLite by default; ``--postgres URL`` creates a
fresh database on that server and drops it afterwards. Prints one JSON object
(microseconds per check), with the read every private message already makes
(``peek_awaiting``) timed alike for scale.

    .venv/bin/python benchmarks/bench_bans.py --residents 10000 --banned 100 --checks 20000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.residents.bans import BanCheck
from services.residents.limits import Banned
from storage import Database
from storage.db import normalise_url
from storage.migrate import upgrade
from storage.models import Resident, ResidentBan
from storage.repositories.awaiting import peek_awaiting

FIRST_ID = 900_000


async def _fill(db: Database, residents: int, banned: int) -> None:
    await upgrade(db)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        await session.execute(
            insert(Resident),
            [
                {"telegram_id": FIRST_ID + i, "chat_id": FIRST_ID + i, "display_name": "居民",
                 "first_seen": now, "last_seen": now}
                for i in range(residents)
            ],
        )  # fmt: skip
        ids = list((await session.execute(text("SELECT id FROM residents ORDER BY id"))).scalars())
        earlier = now - timedelta(days=30)
        rows = [
            {"resident_id": rid, "banned_at": earlier, "reason": "", "lifted_at": earlier}
            for rid in ids[:banned]
        ] + [{"resident_id": rid, "banned_at": now, "reason": "x"} for rid in ids[:banned]]
        await session.execute(insert(ResidentBan), rows)


async def _time(check: BanCheck, people: list[int], checks: int) -> list[float]:
    spent = []
    for n in range(checks):
        started = time.perf_counter()
        with contextlib.suppress(Banned):
            await check.refuse_if_banned(people[n % len(people)])
        spent.append((time.perf_counter() - started) * 1e6)
    return spent


async def _time_awaiting(db: Database, people: list[int], checks: int) -> list[float]:
    """The read every private message already makes (what the person owes linli), for scale."""
    spent = []
    for n in range(checks):
        started = time.perf_counter()
        await peek_awaiting(db, people[n % len(people)])
        spent.append((time.perf_counter() - started) * 1e6)
    return spent


def _figures(spent: list[float]) -> dict[str, float]:
    ordered = sorted(spent)
    return {
        "mean_us": round(statistics.fmean(spent), 1),
        "p50_us": round(ordered[len(ordered) // 2], 1),
        "p99_us": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
    }


async def _run(url: str, residents: int, banned: int, checks: int) -> dict[str, object]:
    db = Database(url)
    try:
        await _fill(db, residents, banned)
        check = BanCheck(db, lambda: datetime.now(UTC))
        free = [FIRST_ID + i for i in range(banned, residents)]
        barred = [FIRST_ID + i for i in range(banned)]
        await _time(check, free, 200)  # warm up connections and statement caches
        figures: dict[str, object] = {
            "not_banned": _figures(await _time(check, free, checks)),
            "banned": _figures(await _time(check, barred, checks)),
            "reference_awaiting_read": _figures(await _time_awaiting(db, free, checks)),
        }
        started = time.perf_counter()
        await check.follow()  # what a running bot does (PostgreSQL only)
        if check.following:
            figures["followed_load_ms"] = round(1000 * (time.perf_counter() - started), 1)
            figures["followed"] = {
                "not_banned": _figures(await _time(check, free, checks)),
                "banned": _figures(await _time(check, barred, checks)),
            }
        await check.stop()
        return figures
    finally:
        await db.dispose()


async def _postgres(server: str, residents: int, banned: int, checks: int) -> dict[str, object]:
    name = f"bench_bans_{secrets.token_hex(4)}"
    admin = create_async_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(normalise_url(server)).set(database=name)
        return await _run(url.render_as_string(hide_password=False), residents, banned, checks)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--banned", type=int, default=100)
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--postgres", metavar="URL", help="a server to create a database on")
    args = parser.parse_args()
    if args.postgres:
        backend = "postgresql"
        figures = asyncio.run(_postgres(args.postgres, args.residents, args.banned, args.checks))
    else:
        backend = "sqlite-file"
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bans.sqlite3'}"
            figures = asyncio.run(_run(url, args.residents, args.banned, args.checks))
    print(json.dumps({"backend": backend, "residents": args.residents,
                      "residents_banned": args.banned, "checks": args.checks,
                      **figures}))  # fmt: skip


if __name__ == "__main__":
    main()
