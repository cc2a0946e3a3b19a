"""Updates per second and reply latency of a real ``linli run`` process.

The benchmark hosts the fake Bot API server and starts ``linli run`` as its own process,
pointed at it with LINLI_BOT_API_URL (as a self-hosted Bot API server would be), on a fresh
SQLite database. N residents each ask M questions, each waiting for the answer before asking
the next, as a person in a chat does; all residents at once. Latency runs from the message's
arrival at the fake server to the bot's first reply in that chat. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot_api_emulator import BotApiServer

QUESTIONS = [
    "低保怎么申请",
    "我一个人没收入，社区能给点补助不",
    "廉租房申请条件",
    "楼上装修太吵了怎么办",
    "居住证怎么办理",
    "社保断缴了怎么补",
    "请问居委会在哪里办公",
    "老人日间照料中心怎么收费",
    "How do I apply for dibao?",
    "明天天气怎么样",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def resident(api: BotApiServer, user_id: int, messages: int, out: list[float]) -> int:
    """One resident's conversation; returns how many of their messages went unanswered."""
    user = api.user(user_id, f"居民{user_id}")
    errors = 0
    for i in range(messages):
        before = len(api.calls("sendMessage", user_id))
        arrived = time.perf_counter()  # the fake server queues the update as it is injected
        api.send_text(user, QUESTIONS[(user_id + i) % len(QUESTIONS)])
        try:
            replies = await api.wait_for(
                lambda n=before: api.calls("sendMessage", user_id)[n:], timeout=10
            )
        except TimeoutError:
            errors += 1
            continue
        out.append((replies[0].time - arrived) * 1000)
    return errors


async def start_linli(api: BotApiServer, workdir: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "LINLI_BOT_TOKEN": api.token,
        "LINLI_BOT_API_URL": api.url,
        "LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}",
        "LINLI_REPLY_RATE": "0",  # the local server has no Telegram limits to respect
        "LINLI_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "run", env=env, cwd=workdir
    )
    await api.wait_for_call("setMyCommands", count=2, timeout=60)  # linli is ready
    return process


async def bench(residents: int, messages: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiServer() as api:
            process = await start_linli(api, Path(tmp))
            try:
                # Warm-up, not measured: the first questions pay for lazy imports and caches.
                await resident(api, 299999, 2 * len(QUESTIONS), [])
                latencies: list[float] = []
                start = time.perf_counter()
                errors = await asyncio.gather(
                    *(resident(api, 300000 + r, messages, latencies) for r in range(residents))
                )
                elapsed = time.perf_counter() - start
            finally:
                process.terminate()
                await process.wait()
            failed_calls = sum(1 for c in api.call_history if not c.ok)
    updates = residents * messages
    return {
        "residents": residents,
        "messages_each": messages,
        "updates": updates,
        "seconds": round(elapsed, 3),
        "updates_per_s": round(updates / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else None,
        "errors": sum(errors) + failed_calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--messages", type=int, default=25)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args.residents, args.messages))))


if __name__ == "__main__":
    main()
