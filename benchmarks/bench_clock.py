"""What extensions and pauses cost: milliseconds per step through the services, and the time
to compute a month's report (the figures now read the trail for extensions and pauses).

On a temporary SQLite database: N tickets are filed and accepted; every fourth is paused
and half of those resumed, every tenth gets an extension request and every other one of
those is approved. Then the month's report is computed five times. Prints one JSON object.

    .venv/bin/python benchmarks/bench_clock.py --tickets 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.access import Actor
from services.reports import ReportService
from services.tickets import Complaint, Tickets, TicketSettings
from services.tickets.due_input import NewDue
from storage import Database, Role
from storage.migrate import upgrade
from storage.repositories.residents import set_resident_role, upsert_resident

RESIDENT, STAFF, OFFICIAL, DESK_CHAT = 700_001, 800_001, 800_002, -100999
NOISE = Complaint("noise", "楼上每天晚上十一点以后还在装修，电钻声音很大", "幸福小区3号楼")
# Monday 2 November 2026, 10:00 in Shanghai; every step moves the clock a minute.
START = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


async def _people(db: Database) -> None:
    async with db.transaction() as session:
        for telegram_id in (RESIDENT, STAFF, OFFICIAL):
            await upsert_resident(session, telegram_id=telegram_id, chat_id=telegram_id,
                                  display_name="x", now=START)  # fmt: skip
        await set_resident_role(session, STAFF, Role.STAFF, now=START)
        await set_resident_role(session, OFFICIAL, Role.OFFICIAL, now=START)


async def _timed(out: dict[str, list[float]], step: str, call: Awaitable[object]) -> None:
    started = time.perf_counter()
    await call
    out.setdefault(step, []).append((time.perf_counter() - started) * 1000)


async def _work(svc: Tickets, tickets: int) -> dict[str, list[float]]:
    desk, official = Actor(STAFF, DESK_CHAT), Actor.in_private(OFFICIAL)
    out: dict[str, list[float]] = {}
    for n in range(tickets):
        number = (await svc.filing.file_complaint(Actor.in_private(RESIDENT), NOISE)).number
        await svc.staff.accept(desk, number)
        if n % 4 == 0:
            await _timed(out, "pause_ms", svc.pauses.pause(desk, number, "请告诉我们几楼几号"))
            if n % 8 == 0:
                await _timed(out, "resume_ms", svc.pauses.resume(desk, number))
        if n % 10 == 0:
            started = time.perf_counter()
            asked = await svc.extensions.request(desk, number, NewDue(working_days=3), "等配件")
            out.setdefault("extend_request_ms", []).append((time.perf_counter() - started) * 1000)
            if n % 20 == 0:
                await _timed(
                    out, "extend_decide_ms", svc.extensions.decide(official, asked.id, True)
                )
    return out


async def bench(tickets: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await upgrade(db)
            await _people(db)
            clock = Clock()
            svc = Tickets(db, clock, TicketSettings(staff_chat_id=DESK_CHAT))
            steps = await _work(svc, tickets)
            reports = ReportService(db, clock)
            period = reports.parse_period("2026-11")
            durations = []
            for _ in range(5):
                started = time.perf_counter()
                report = await reports.report(period)
                durations.append((time.perf_counter() - started) * 1000)
        finally:
            await db.dispose()
    result: dict[str, object] = {"tickets": tickets}
    result.update({step: round(statistics.median(ms), 2) for step, ms in steps.items()})
    result["report_ms"] = round(statistics.median(durations), 1)
    totals = report.totals
    result["figures"] = {"extensions_requested": totals.extensions_requested,
                         "extensions_approved": totals.extensions_approved,
                         "paused_hours": totals.paused_hours}  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1000)
    print(json.dumps(asyncio.run(bench(parser.parse_args().tickets))))


if __name__ == "__main__":
    main()
