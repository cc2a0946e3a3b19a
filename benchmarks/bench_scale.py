"""Several ``linli run`` processes behind one webhook on PostgreSQL: throughput, latency, order.

For each N in ``--processes`` (default 1, 2, 4) the benchmark creates a scratch database on
the server named by ``--postgres`` (dropped afterwards; by default the local server, over its
Unix socket when it has one, as a deployment on one machine connects), upgrades it, and
starts N real ``linli run`` processes in webhook mode against the Bot API emulator. The
emulator plays Telegram plus a load balancer: it posts updates round-robin to the N
processes, ``--connections`` posts in flight at once (Telegram's max_connections), so one chat's
updates reach different processes and may arrive out of order.

Residents each ask ``--messages`` questions in bursts of ``--burst`` (sent at once, then
waiting for all of their answers, as a person typing two lines does). Before that, as many
other residents ask ``--warm-up`` questions each, all at once, so that what is measured is
processes that have been serving (their connection pools grown to the load), not their
first seconds. Latency runs from a
burst's arrival at the emulator to each answer. An order violation is a chat that got the
answers to its questions in another order than it asked them (a chat with a missing or an
unexpected reply is counted apart; the per-resident question limit is lifted, as these
residents ask faster than people do). Then ``--outbox`` messages are queued for as many
residents and the scheduler leader (the one process that sends) delivers them at
``LINLI_SEND_RATE`` (``--send-rate``); its achieved rate is reported. PostgreSQL's own
counters give the transactions and rows written per update, and /proc the CPU time per
update of the N processes together (steadier than rates on a shared machine), of the
PostgreSQL server's processes, of this process (the emulator and the residents) and of the
whole machine. ``--rounds R`` runs every N R times, in turns (every other round backwards),
and reports each N's median and each round's N against that round's N = 1: on a shared
machine one run of each can differ by a fifth from the next. Prints one JSON object
(``BENCH_DEBUG=1`` also prints each out-of-order chat's answers to stderr).
The processes run the code of the checkout this script is in; run it with ``PYTHONPATH``
set to that checkout when another one is installed in the environment, so that the
benchmark's own migrations match.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_updates import cpu_ms_per_update, cpu_seconds
from seeding import seed_recipients
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot_api_emulator import BotApiServer
from storage import Database
from storage.db import normalise_url
from storage.migrate import upgrade

QUESTIONS = [  # six questions with six different answers, so that order shows
    "低保怎么申请",
    "廉租房申请条件",
    "楼上装修太吵了怎么办",
    "居住证怎么办理",
    "社保断缴了怎么补",
    "老人日间照料中心怎么收费",
]
SECRET = "bench_scale-secret"
CHECKOUT = Path(__file__).resolve().parent.parent
FIRST_RESIDENT = 300_000
FIRST_RECIPIENT = 10_000_001


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def admin_execute(server_url: str, sql: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def pg_counters(url: str) -> tuple[int, int]:
    """(transactions committed, rows inserted + updated + deleted) in this database so far."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted "
                        "FROM pg_stat_database WHERE datname = current_database()"
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    return int(row[0]), int(row[1])


def server_cpu() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL server process on this machine (backends and
    the server's own workers: WAL writer, checkpointer), by pid."""
    used = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
            except OSError:
                continue
            seconds = cpu_seconds(int(entry.name))
            if seconds is not None:
                used[int(entry.name)] = seconds
    return used


def server_cpu_since(before: dict[int, float]) -> float:
    """What the server's processes used since ``before`` (those started since count whole;
    those that ended meanwhile are lost: the pools keep theirs)."""
    return sum(now - before.get(pid, 0.0) for pid, now in server_cpu().items())


def machine_busy() -> float:
    """CPU seconds every core of this machine spent on anything but idling so far."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def total_cpu(pids: list[int]) -> float:
    """CPU seconds the processes still alive used so far."""
    return sum(cpu_seconds(pid) or 0.0 for pid in pids)


async def start_processes(
    api: BotApiServer, url: str, n: int, send_rate: float, workdir: Path
) -> tuple[list[asyncio.subprocess.Process], list[str]]:
    processes, urls = [], []
    for i in range(n):
        port = free_port()
        hook = f"http://127.0.0.1:{port}/hook"
        env = {
            **os.environ,
            "LINLI_BOT_TOKEN": api.token,
            "LINLI_BOT_API_URL": api.url,
            "LINLI_DATABASE_URL": url,
            "LINLI_WEBHOOK_URL": hook,
            "LINLI_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "LINLI_WEBHOOK_SECRET": SECRET,
            "LINLI_REPLY_RATE": "0",  # the emulator has no Telegram limits to respect
            "LINLI_SEND_RATE": str(send_rate),
            "LINLI_LOG_LEVEL": "WARNING",
            "LINLI_QUESTIONS_PER_MINUTE": "0",  # residents here ask faster than people do
            "PYTHONPATH": str(CHECKOUT),  # this checkout's code, whatever is installed
        }
        cwd = workdir / f"p{i}"
        cwd.mkdir()
        processes.append(
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli.main", "run", env=env, cwd=cwd
            )
        )
        urls.append(hook)
    await api.wait_for_call("setMyCommands", count=2 * n, timeout=120)  # all are ready
    await api.wait_for_call("setWebhook", count=n, timeout=30)
    return processes, urls


async def learn_answers(api: BotApiServer, processes: int) -> dict[str, str]:
    """Each question asked of every process, waiting (the warm-up): its answer's text.

    Posts go round-robin, so the i-th message reaches process i mod N: the six questions
    twice over reached each of two processes with the same three, and the other three were
    decided afresh (tens of milliseconds each with every matcher layer) inside the measured
    phase. Passes of seven (prime to 1, 2 and 4) meet every question with every process."""
    user = api.user(FIRST_RESIDENT - 1, "热身")
    answers = {}
    for question in [*QUESTIONS, QUESTIONS[0]] * max(2, processes):
        sent = api.count("sendMessage", user["id"])
        api.send_text(user, question)
        await api.wait_for(
            lambda n=sent: api.count("sendMessage", user["id"]) > n, 30, chat_id=user["id"]
        )
        answers[question] = api.calls("sendMessage", user["id"])[-1].params["text"]
    return answers


async def warm_up(api: BotApiServer, args: argparse.Namespace) -> None:
    """As many residents as the measured ones, other people, ask ``--warm-up`` questions
    each at once: the processes' connection pools grow to what the load needs before the
    measurement, as in a process that has been running (a new PostgreSQL connection costs
    both sides milliseconds of CPU, and the warm-up's one question at a time opened two)."""
    if args.warm_up:
        warm = argparse.Namespace(**{**vars(args), "messages": args.warm_up})
        await asyncio.gather(*(resident(api, -1000 - r, warm, []) for r in range(args.residents)))


async def resident(
    api: BotApiServer, number: int, args: argparse.Namespace, latencies: list[float]
) -> tuple[list[str], int]:
    """One resident's conversation: the questions asked, and how many got no answer."""
    user_id = FIRST_RESIDENT + number
    user = api.user(user_id, f"居民{number}")
    asked: list[str] = []
    missing = 0
    for start in range(0, args.messages, args.burst):
        burst = [
            QUESTIONS[(number + i) % len(QUESTIONS)]
            for i in range(start, min(args.messages, start + args.burst))
        ]
        before = api.count("sendMessage", user_id)
        arrived = time.perf_counter()
        for question in burst:
            api.send_text(user, question)
        asked += burst
        want = before + len(burst)
        try:
            await api.wait_for(
                lambda w=want: api.count("sendMessage", user_id) >= w, 30, chat_id=user_id
            )
        except TimeoutError:
            missing += want - api.count("sendMessage", user_id)
            continue
        for call in api.calls("sendMessage", user_id)[before:want]:
            latencies.append((call.time - arrived) * 1000)
    return asked, missing


async def seed_outbox(url: str, count: int) -> None:
    db = Database(url)
    try:
        await seed_recipients(db, FIRST_RECIPIENT, count, "bench")
    finally:
        await db.dispose()


async def outbox_rate(api: BotApiServer, url: str, count: int) -> float | None:
    """Messages per second the leader achieved delivering ``count`` queued messages."""
    if count == 0:
        return None
    for user_id in range(FIRST_RECIPIENT, FIRST_RECIPIENT + count):
        api.user(user_id, "")
    await seed_outbox(url, count)

    def delivered() -> list[float]:
        times = [
            c.time
            for c in api.calls("sendMessage")
            if c.ok and int(c.params["chat_id"]) >= FIRST_RECIPIENT
        ]
        return times if len(times) >= count else []

    times = sorted(await api.wait_for(delivered, timeout=120 + 2 * count))
    return round((count - 1) / (times[-1] - times[0]), 1) if times[-1] > times[0] else None


async def stop(process: asyncio.subprocess.Process) -> bool:
    """Wait for a terminated process; True when it had to be killed after 30 s."""
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()
        return True
    return False


async def run(n: int, args: argparse.Namespace) -> dict[str, object]:
    server_url = normalise_url(args.postgres).render_as_string(hide_password=False)
    name = f"linli_bench_{secrets.token_hex(4)}"
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    await admin_execute(server_url, f'CREATE DATABASE "{name}"')
    processes: list[asyncio.subprocess.Process] = []
    try:
        db = Database(url)
        await upgrade(db)
        await db.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            async with BotApiServer() as api:
                try:
                    processes, urls = await start_processes(api, url, n, args.send_rate, Path(tmp))
                    api.balance_webhook(urls, connections=args.connections)
                    answers = await learn_answers(api, n)
                    await warm_up(api, args)
                    await asyncio.sleep(1.5)  # PostgreSQL publishes its counters lazily
                    commits0, rows0 = await pg_counters(url)
                    linli_pids = [p.pid for p in processes]
                    linli0 = total_cpu(linli_pids)
                    pg0, driver0, machine0 = server_cpu(), cpu_seconds(), machine_busy()
                    latencies: list[float] = []
                    started = time.perf_counter()
                    results = await asyncio.gather(
                        *(resident(api, r, args, latencies) for r in range(args.residents))
                    )
                    elapsed = time.perf_counter() - started
                    linli1 = total_cpu(linli_pids)
                    pg_used, machine1 = server_cpu_since(pg0), machine_busy()
                    driver1 = cpu_seconds()
                    await asyncio.sleep(1.5)
                    commits1, rows1 = await pg_counters(url)
                    violations = wrong = 0
                    for r, (asked, _) in enumerate(results):
                        calls = api.calls("sendMessage", FIRST_RESIDENT + r)
                        got = [c.params["text"] for c in calls]
                        want = [answers[q] for q in asked]
                        # Out of order: the right answers, in another order. Any other
                        # difference (a missing or unexpected reply) is counted apart.
                        same_answers = sorted(got) == sorted(want)
                        violations += same_answers and got != want
                        wrong += not same_answers
                        if got != want and os.environ.get("BENCH_DEBUG"):
                            index = {a: QUESTIONS.index(q) for q, a in answers.items()}
                            print("got", [index.get(g) for g in got], file=sys.stderr)
                            print("want", [QUESTIONS.index(q) for q in asked], file=sys.stderr)
                    send_rate = await outbox_rate(api, url, args.outbox)
                finally:
                    for process in processes:
                        process.terminate()
                    forced = await asyncio.gather(*(stop(p) for p in processes))
    finally:
        await admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    updates = args.residents * args.messages
    return {
        "processes": n,
        "updates": updates,
        "seconds": round(elapsed, 3),
        "updates_per_s": round(updates / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "unanswered": sum(missing for _, missing in results),
        "order_violations": violations,
        "chats_with_other_replies": wrong,
        "linli_cpu_ms_per_update": cpu_ms_per_update(linli0, linli1, updates),
        # PostgreSQL's processes for this database (when the server runs here), and the
        # emulator with the residents (this process): what shares the cores with linli.
        "pg_cpu_ms_per_update": cpu_ms_per_update(0.0, pg_used, updates) if pg0 else None,
        "emulator_cpu_ms_per_update": cpu_ms_per_update(driver0, driver1, updates),
        "machine_cpu_ms_per_update": cpu_ms_per_update(machine0, machine1, updates),
        "pg_commits_per_update": round((commits1 - commits0) / updates, 2),
        "pg_rows_written_per_update": round((rows1 - rows0) / updates, 2),
        "outbox_send_rate_per_s": send_rate,
        "outbox_send_rate_limit": args.send_rate,
        "killed_at_stop": sum(forced),
    }


async def bench(args: argparse.Namespace) -> dict[str, object]:
    counts = [int(n) for n in args.processes.split(",")]
    runs = []
    for round_index in range(args.rounds):
        # Every other round backwards: what the machine does over time (PostgreSQL's
        # checkpoints, a neighbour's load) does not always fall on the same N.
        for n in counts if round_index % 2 == 0 else counts[::-1]:
            runs.append({"round": round_index + 1, **await run(n, args)})
    rates = {n: [r["updates_per_s"] for r in runs if r["processes"] == n] for n in counts}
    return {
        "residents": args.residents,
        "messages_each": args.messages,
        "burst": args.burst,
        "warm_up_questions_each": args.warm_up,
        "balancer_connections": args.connections,
        "postgres_over": "unix socket" if _socket_dir(args.postgres) else "tcp",
        "cpus": os.cpu_count(),
        "runs": runs,
        "median_updates_per_s": {n: statistics.median(v) for n, v in rates.items()},
        # Each round's N processes against its own N = 1 run, the one beside it in time.
        "vs_one_process": {
            n: [round(a / b, 3) for a, b in zip(v, rates[1], strict=True)]
            for n, v in rates.items()
            if n != 1 and 1 in rates
        },
    }


# linli and PostgreSQL on one machine talk over the server's Unix socket, as the README's
# deployment does: TCP on loopback cost the server a fifth more CPU per update at N = 2.
SOCKET_DIR = Path("/var/run/postgresql")
OVER_TCP = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
OVER_SOCKET = f"postgresql+asyncpg://postgres@/test?host={SOCKET_DIR}"


def _socket_dir(url: str) -> str | None:
    host = make_url(url).query.get("host")
    return host if isinstance(host, str) and host.startswith("/") else None


def default_server() -> str:
    """The local server over its Unix socket when there is one, else over TCP."""
    return OVER_SOCKET if (SOCKET_DIR / ".s.PGSQL.5432").exists() else OVER_TCP


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres", default=default_server(), help="the server (default: the local one)"
    )
    parser.add_argument("--processes", default="1,2,4", help="comma-separated N to run")
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--messages", type=int, default=100, help="questions per resident")
    parser.add_argument("--burst", type=int, default=2, help="questions sent at once")
    parser.add_argument(
        "--warm-up", type=int, default=6, help="questions per resident before measuring"
    )
    parser.add_argument("--connections", type=int, default=8, help="posts in flight at once")
    parser.add_argument("--outbox", type=int, default=600, help="messages for the leader")
    parser.add_argument("--send-rate", type=float, default=300, help="LINLI_SEND_RATE")
    parser.add_argument(
        "--rounds", type=int, default=1, help="run every N this many times, in turns"
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args))))


if __name__ == "__main__":
    main()
