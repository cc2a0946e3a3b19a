"""Updates per second and reply latency of a real ``linli run`` process, beside a reference
echo bot on the same transport.

The benchmark hosts the fake Bot API server and starts ``linli run`` as its own process,
pointed at it with LINLI_BOT_API_URL (as a self-hosted Bot API server would be), on a fresh
SQLite database. N residents each ask M questions, each waiting for the answer before asking
the next, as a person in a chat does; all residents at once. Latency runs from the message's
arrival at the fake server to the bot's first reply in that chat.

``--residents 10 20 50 100`` sweeps several N against the same processes; ``--transport``
picks aiohttp, httpx or both. Unless ``--no-echo``, a minimal PTB echo bot (same transport,
same concurrency and polling pause as linli) is measured the same way as its own process,
so ``linli_vs_echo`` says how much of the stack's capacity linli's own work leaves. Prints
one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
ECHO_FLAG = "--run-echo-bot"


def cpu_seconds(pid: int | None = None) -> float | None:
    """CPU time (user + system) a process used so far: this one, or ``pid`` from /proc."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ms_per_update(before: float | None, after: float | None, updates: int) -> float | None:
    return None if before is None or after is None else round(1000 * (after - before) / updates, 3)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def resident(api: BotApiServer, user_id: int, messages: int, out: list[float]) -> int:
    """One resident's conversation; returns how many of their messages went unanswered."""
    user = api.user(user_id, f"居民{user_id}")
    errors = 0
    for i in range(messages):
        before = api.count("sendMessage", user_id)
        arrived = time.perf_counter()  # the fake server queues the update as it is injected
        api.send_text(user, QUESTIONS[(user_id + i) % len(QUESTIONS)])
        try:
            replies = await api.wait_for(
                lambda n=before: api.calls("sendMessage", user_id)[n:], timeout=10, chat_id=user_id
            )
        except TimeoutError:
            errors += 1
            continue
        out.append((replies[0].time - arrived) * 1000)
    return errors


async def start_linli(
    api: BotApiServer, workdir: Path, transport: str
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "LINLI_BOT_TOKEN": api.token,
        "LINLI_BOT_API_URL": api.url,
        "LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}",
        "LINLI_REPLY_RATE": "0",  # the local server has no Telegram limits to respect
        "LINLI_QUESTIONS_PER_MINUTE": "0",  # simulated residents ask faster than people do
        "LINLI_LOG_LEVEL": "WARNING",
        "LINLI_TRANSPORT": transport,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "run", env=env, cwd=workdir
    )
    await api.wait_for_call("setMyCommands", count=2, timeout=60)  # linli is ready
    return process


async def start_echo(api: BotApiServer, transport: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, ECHO_FLAG, api.url, api.token, transport
    )
    await api.wait_for_call("setMyCommands", count=1, timeout=60)  # the echo bot is ready
    return process


async def sweep(
    api: BotApiServer, pid: int, sizes: list[int], messages: int
) -> list[dict[str, Any]]:
    """Every size in turn against the bot (process ``pid``) already polling ``api``; fresh
    residents each. CPU time per update is what the machine's load does not change much."""
    # Warm-up, not measured: the first questions pay for lazy imports and caches.
    await resident(api, 299999, 2 * len(QUESTIONS), [])
    results = []
    for size_index, residents in enumerate(sizes):
        failed_before = sum(1 for c in api.call_history if not c.ok)
        first_id = 300000 + 1000 * size_index
        latencies: list[float] = []
        bot_cpu, driver_cpu = cpu_seconds(pid), cpu_seconds()
        start = time.perf_counter()
        errors = await asyncio.gather(
            *(resident(api, first_id + r, messages, latencies) for r in range(residents))
        )
        elapsed = time.perf_counter() - start
        bot_cpu_after, driver_cpu_after = cpu_seconds(pid), cpu_seconds()
        failed = sum(1 for c in api.call_history if not c.ok) - failed_before
        updates = residents * messages
        results.append(
            {
                "residents": residents,
                "updates": updates,
                "seconds": round(elapsed, 3),
                "updates_per_s": round(updates / elapsed, 1),
                "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
                "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else None,
                "errors": sum(errors) + failed,
                "bot_cpu_ms_per_update": cpu_ms_per_update(bot_cpu, bot_cpu_after, updates),
                # The fake Bot API server and the residents, in this process.
                "emulator_cpu_ms_per_update": cpu_ms_per_update(
                    driver_cpu, driver_cpu_after, updates
                ),
            }
        )
    return results


async def measure(bot: str, transport: str, sizes: list[int], messages: int) -> list[Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiServer() as api:
            if bot == "linli":
                process = await start_linli(api, Path(tmp), transport)
            else:
                process = await start_echo(api, transport)
            try:
                return await sweep(api, process.pid, sizes, messages)
            finally:
                process.terminate()
                await process.wait()


async def bench(
    sizes: list[int], messages: int, transports: list[str], echo: bool
) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    for transport in transports:
        linli = await measure("linli", transport, sizes, messages)
        reference = await measure("echo", transport, sizes, messages) if echo else []
        for index, figures in enumerate(linli):
            run: dict[str, Any] = {"transport": transport, **figures}
            if reference:
                echo_figures = reference[index]
                run["echo"] = {k: v for k, v in echo_figures.items() if k != "residents"}
                run["linli_vs_echo"] = round(
                    figures["updates_per_s"] / echo_figures["updates_per_s"], 3
                )
                linli_cpu, echo_cpu = (
                    figures["bot_cpu_ms_per_update"],
                    echo_figures["bot_cpu_ms_per_update"],
                )
                if linli_cpu and echo_cpu:  # the same ratio by CPU cost, less load-dependent
                    run["linli_vs_echo_by_cpu"] = round(echo_cpu / linli_cpu, 3)
            runs.append(run)
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
        "messages_each": messages,
        "runs": runs,
    }


def run_echo_bot(api_url: str, token: str, transport: str) -> None:
    """The reference: a minimal PTB bot that echoes text, on linli's transport, concurrency
    and polling pause (imports inside: only this child process needs them)."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    from bot.app import MAX_CONCURRENT_UPDATES, POLLING_POOL_SIZE
    from bot.runner import POLL_PAUSE_S
    from bot.transport import make_request

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def ready(application: Any) -> None:
        await application.bot.set_my_commands([("start", "start")])

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .concurrent_updates(MAX_CONCURRENT_UPDATES)
        .request(make_request(transport, MAX_CONCURRENT_UPDATES))  # type: ignore[arg-type]
        .get_updates_request(make_request(transport, POLLING_POOL_SIZE))  # type: ignore[arg-type]
        .post_init(ready)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(poll_interval=POLL_PAUSE_S, timeout=10)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == ECHO_FLAG:
        run_echo_bot(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, nargs="+", default=[10, 20, 50, 100])
    parser.add_argument("--messages", type=int, default=25)
    parser.add_argument("--transport", choices=["aiohttp", "httpx", "both"], default="aiohttp")
    parser.add_argument("--no-echo", action="store_true", help="skip the reference echo bot")
    args = parser.parse_args()
    transports = ["aiohttp", "httpx"] if args.transport == "both" else [args.transport]
    result = asyncio.run(bench(args.residents, args.messages, transports, not args.no_echo))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
