"""A broadcast through the real delivery worker at Telegram's limits, with faults and kills.

The benchmark hosts the fake Bot API server (enforcing the overall limit at ``--rate``) and
runs the delivery worker as its own process on a fresh SQLite outbox of ``--recipients``
bulk rows. It injects 5xx errors, one 429 and a few blocked residents, and SIGKILLs the
worker ``--kills`` times, restarting it each time. Prints one JSON object: recipients, sent,
lost (neither delivered nor blocked), duplicates (extra deliveries to one chat), blocked
marked inactive, limit_rate, achieved_rate (deliveries per second from the first to the
last, less the injected RetryAfter pause), ratio, kills, flood_violations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from seeding import seed_recipients

from bot_api_emulator import BotApiServer, FloodLimits, Limit
from storage import Database
from storage.migrate import upgrade
from storage.repositories import residents as residents_repo

FIRST_ID = 10_000_001
BLOCKED_EVERY = 200  # one resident in 200 has blocked the bot
RETRY_AFTER_S = 1  # the injected 429: Telegram allows nothing for this long


async def _seed(url: str, recipients: int) -> None:
    db = Database(url)
    await upgrade(db)
    await seed_recipients(db, FIRST_ID, recipients, "notice:1")
    await db.dispose()


async def _worker(url: str, api_url: str, rate: float) -> None:
    """The child process: deliver until nothing is pending or claimed."""
    from telegram import Bot

    from bot.delivery.limits import DeliveryConfig
    from bot.delivery.worker import DeliveryWorker
    from services.delivery import DeliveryService
    from services.residents.service import ResidentService

    db = Database(url)
    service = DeliveryService(db, ResidentService(db, lambda: datetime.now(UTC), "zh-Hans"))
    config = DeliveryConfig(send_rate=rate, claim_timeout_s=8.0, poll_interval_s=0.2)
    service.policy = config.policy()
    bot = Bot("1000000:TEST-TOKEN", base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot")
    async with bot:
        worker = DeliveryWorker(bot, service, config)
        await worker.start()
        while True:
            counts = await service.counts()
            if not counts.get("pending") and not counts.get("sending"):
                break
            await asyncio.sleep(0.2)
        await worker.stop()
    await db.dispose()


async def _run_worker(url: str, api_url: str, rate: float, kill_after: float | None) -> bool:
    """Run one worker process; SIGKILL it after ``kill_after`` s. True if it was killed."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--worker", url, api_url, str(rate)
    )
    try:
        await asyncio.wait_for(child.wait(), kill_after)
        return False
    except TimeoutError:
        child.send_signal(signal.SIGKILL)
        await child.wait()
        return True


async def _figures(url: str, server: BotApiServer, args: argparse.Namespace) -> dict[str, object]:
    ok = [c for c in server.calls("sendMessage") if c.ok]
    per_chat = Counter(c.chat_id for c in ok)
    blocked = set(range(FIRST_ID, FIRST_ID + args.recipients, BLOCKED_EVERY))
    db = Database(url)
    async with db.transaction() as session:
        inactive = [
            r.telegram_id
            for r in await residents_repo.list_residents(session, active_only=False)
            if not r.active
        ]
    await db.dispose()
    wanted = set(range(FIRST_ID, FIRST_ID + args.recipients)) - blocked
    # While Telegram says RetryAfter its limit is zero, so that time is not held against us.
    paused = RETRY_AFTER_S if args.faults else 0
    elapsed = ok[-1].time - ok[0].time - paused if len(ok) > 1 else 0.0
    achieved = (len(ok) - 1) / elapsed if elapsed > 0 else 0.0
    return {
        "recipients": args.recipients,
        "sent": len(per_chat),
        "lost": len(wanted - set(per_chat)),
        "duplicates": sum(n - 1 for n in per_chat.values()),
        "blocked_marked": len(set(inactive) & blocked),
        "limit_rate": args.rate,
        "achieved_rate": round(achieved, 1),
        "ratio": round(achieved / args.rate, 3),
        "kills": args.kills,
        "flood_violations": len(server.flood_violations),
    }


async def _bench(args: argparse.Namespace) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-broadcast-"))
    url = f"sqlite+aiosqlite:///{folder / 'linli.sqlite3'}"
    await _seed(url, args.recipients)
    limits = FloodLimits(overall=Limit(int(args.rate), 1.0))
    async with BotApiServer(flood_limits=limits) as server:
        for user_id in range(FIRST_ID, FIRST_ID + args.recipients):
            server.user(user_id)
            if (user_id - FIRST_ID) % BLOCKED_EVERY == 0:
                server.block(user_id)
        if args.faults:
            server.fail_next("sendMessage", 502, count=5)
            server.fail_next("sendMessage", 429, retry_after=RETRY_AFTER_S, count=1)
        duration = args.recipients / args.rate
        rng = random.Random(7)
        kills = 0
        while True:
            kill_after = rng.uniform(0.3, 0.8) * duration / (args.kills + 1) + 1.0
            killed = await _run_worker(
                url, server.url, args.rate, kill_after if kills < args.kills else None
            )
            kills += killed
            if not killed:
                break
        return await _figures(url, server, args)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        asyncio.run(_worker(sys.argv[2], sys.argv[3], float(sys.argv[4])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--kills", type=int, default=0)
    parser.add_argument(
        "--no-faults", dest="faults", action="store_false", help="no injected 429/5xx"
    )
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    print(json.dumps(asyncio.run(_bench(args))))


if __name__ == "__main__":
    main()
