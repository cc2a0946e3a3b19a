"""Updates per second and reply latency: the real Application against the fake Bot API server.

N residents each ask M questions, each waiting for the answer before asking the next (as a
person in a chat does), all residents at once. Latency runs from the message's arrival at the
fake server to the bot's first reply in that chat. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import build_application
from bot.bot_api import BotApiServer
from bot.runner import running
from services import open_services

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


async def bench(residents: int, messages: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        services = await open_services(
            f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}", None, "zh-Hans"
        )
        async with BotApiServer() as api:
            app = build_application(services, token=api.token, api_url=api.url, overall_rate=0)
            async with running(app, poll_timeout=1):
                latencies: list[float] = []
                start = time.perf_counter()
                errors = await asyncio.gather(
                    *(resident(api, 300000 + r, messages, latencies) for r in range(residents))
                )
                elapsed = time.perf_counter() - start
                handler_errors = sum(1 for c in api.call_history if not c.ok)
        await services.close()
    updates = residents * messages
    return {
        "residents": residents,
        "messages_each": messages,
        "updates": updates,
        "seconds": round(elapsed, 3),
        "updates_per_s": round(updates / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else None,
        "errors": sum(errors) + handler_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--messages", type=int, default=25)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args.residents, args.messages))))


if __name__ == "__main__":
    main()
