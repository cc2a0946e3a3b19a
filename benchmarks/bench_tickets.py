"""Filings per second and latency per filing, through the ticket service layer.

Each filing is one transaction: the ticket (with its number from the month's sequence), its
"filed" event and its staff-card outbox row. On SQLite one filer files N tickets one after
another (the embedded database serialises writers anyway); with ``--postgres URL`` K
concurrent filers file N tickets between them on a fresh database created on that server
and dropped afterwards. Prints one JSON object.

    .venv/bin/python benchmarks/bench_tickets.py --tickets 2000 \\
        --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test --filers 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.access import Actor
from services.tickets import Complaint, Tickets, TicketSettings
from storage import Database
from storage.db import normalise_url
from storage.migrate import upgrade
from storage.repositories.residents import upsert_resident

RESIDENTS = 50
FIRST_ID = 700_000
COMPLAINTS = [
    Complaint("noise", "楼上每天晚上十一点以后还在装修，电钻声音很大", "幸福小区3号楼", None, None,
              ("AgACAgUAAxkBAAIB",), "13812345678"),
    Complaint("sanitation", "垃圾桶三天没人清运，味道很大，苍蝇很多", None, 31.23, 121.47),
    Complaint("facilities", "单元门口的路灯坏了两个星期，晚上回家一片漆黑", "和平里5栋",
              anonymous=True),
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _prepare(db: Database) -> Tickets:
    await upgrade(db)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        for i in range(RESIDENTS):
            await upsert_resident(
                session,
                telegram_id=FIRST_ID + i,
                chat_id=FIRST_ID + i,
                display_name="居民",
                now=now,
            )
    return Tickets(db, lambda: datetime.now(UTC), TicketSettings(staff_chat_id=-100999))


async def _filer(svc: Tickets, count: int, offset: int, out: list[float]) -> None:
    for i in range(count):
        n = offset + i
        started = time.perf_counter()
        await svc.filing.file_complaint(
            Actor.in_private(FIRST_ID + n % RESIDENTS), COMPLAINTS[n % len(COMPLAINTS)]
        )
        out.append((time.perf_counter() - started) * 1000)


async def _run(db: Database, tickets: int, filers: int) -> dict[str, object]:
    svc = await _prepare(db)
    latencies: list[float] = []
    await _filer(svc, min(20, tickets), 10**6, [])  # warm up connections and statement caches
    per_filer = tickets // filers
    started = time.perf_counter()
    await asyncio.gather(*(_filer(svc, per_filer, f * per_filer, latencies) for f in range(filers)))
    elapsed = time.perf_counter() - started
    return {
        "tickets": per_filer * filers,
        "filers": filers,
        "seconds": round(elapsed, 3),
        "tickets_per_s": round(per_filer * filers / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


async def bench_sqlite(tickets: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            return await _run(db, tickets, 1)
        finally:
            await db.dispose()


async def bench_postgres(url: str, tickets: int, filers: int) -> dict[str, object]:
    server = normalise_url(url)
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    name = f"linli_bench_{secrets.token_hex(4)}"
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(server).set(database=name).render_as_string(hide_password=False))
    try:
        return await _run(db, tickets, filers)
    finally:
        await db.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    result: dict[str, object] = {"sqlite": await bench_sqlite(args.tickets)}
    if args.postgres:
        result["postgres"] = await bench_postgres(args.postgres, args.tickets, args.filers)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("--filers", type=int, default=8, help="concurrent filers on PostgreSQL")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
