"""Several ``linli run`` processes behind one webhook on PostgreSQL: throughput, latency, order.

For each N in ``--processes`` (default 1, 2, 4) the benchmark creates a scratch database on
the server named by ``--postgres`` (dropped afterwards; by default the local server, over its
Unix socket when it has one, as a deployment on one machine connects), upgrades it, and
starts N real ``linli run`` processes in webhook mode against a Bot API emulator of its own
(each deployment needs Telegram's whole update sequence). The emulator plays Telegram plus
a load balancer: it posts updates round-robin to the N processes, ``--connections`` posts
in flight at once (Telegram's max_connections), so one chat's
updates reach different processes and may arrive out of order. Each deployment is warmed up
before it is measured: as many other residents as the measured ones ask ``--warm-up``
questions each, all at once, so that what is measured is processes that have been serving
(their connection pools grown to the load), not their first seconds.

The first N (1 by default) is the baseline: it stays up while each other N in turn is
brought up beside it and measured in ``--rounds`` rounds: in each, the two deployments in
turn (every other round backwards) serve ``--residents`` new residents, each asking
``--messages`` questions in bursts of ``--burst`` (sent at once, then waiting for all of
their answers, as a person typing two lines does), while the other idles. This machine's
speed drifts by a fifth within minutes, and a round's two phases are seconds apart: each N
is compared with the baseline's phases beside it, over all rounds and round by round.
Latency runs from a burst's arrival at the emulator to each
answer. An order violation is a chat that got the answers to its questions in another order
than it asked them (a chat with a missing or an unexpected reply is counted apart; the
per-resident question limit is lifted, as these residents ask faster than people do).
Finally ``--outbox`` messages are queued for as many residents of each deployment and its
scheduler leader (the one process that sends) delivers them at ``LINLI_SEND_RATE``
(``--send-rate``); its achieved rate is reported. PostgreSQL's own counters give the
transactions and rows written per update, and /proc the CPU time per update of the N
processes together (steadier than rates on a shared machine), of the PostgreSQL server's
processes, of this process (the emulators and the residents) and of the whole machine.
Prints one JSON object (``BENCH_DEBUG=1`` also prints each phase, and each out-of-order
chat's answers, to stderr).
The processes run the code of the checkout this script is in; run it with ``PYTHONPATH``
set to that checkout when another one is installed in the environment, so that the
benchmark's own migrations match.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from bench_updates import cpu_seconds
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
    # The calls as they come: a deployment that has served thousands of residents holds
    # tens of thousands, and looking through them all at every send slowed the emulator
    # down to less than half the rate it was measuring.
    calls = api.subscribe()
    try:
        await seed_outbox(url, count)
        times: list[float] = []
        async with asyncio.timeout(120 + 2 * count):
            while len(times) < count:
                call = await calls.get()
                recipient = call.chat_id is not None and call.chat_id >= FIRST_RECIPIENT
                if call.method == "sendMessage" and call.ok and recipient:
                    times.append(call.time)
    finally:
        api.unsubscribe(calls)
    times.sort()
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


@dataclass
class Deployment:
    """N ``linli run`` processes on a scratch database, behind an emulator of their own (each
    deployment needs Telegram's whole update sequence: ids sent elsewhere would be gaps)."""

    n: int
    url: str
    api: BotApiServer
    processes: list[asyncio.subprocess.Process]
    answers: dict[str, str]
    phases: list[Phase] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Phase:
    """One measured phase of one deployment: what it did, and the CPU seconds it took."""

    updates: int
    seconds: float
    unanswered: int
    order_violations: int
    chats_with_other_replies: int
    linli_cpu: float
    pg_cpu: float | None  # None when the server runs on another machine
    emulator_cpu: float
    machine_cpu: float

    @property
    def rate(self) -> float:
        return round(self.updates / self.seconds, 1)


@contextlib.asynccontextmanager
async def deployed(n: int, args: argparse.Namespace, server_url: str) -> AsyncIterator[Deployment]:
    """N processes up, warmed up and waiting; stopped and their database dropped after."""
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
                    yield Deployment(n, url, api, processes, answers)
                finally:
                    for process in processes:
                        process.terminate()
                    killed = sum(await asyncio.gather(*(stop(p) for p in processes)))
                    if killed:
                        print(f"N = {n}: {killed} process(es) killed at stop", file=sys.stderr)
    finally:
        await admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def phase(deployment: Deployment, args: argparse.Namespace, first: int) -> Phase:
    """Residents ``first`` … ask their questions of one deployment while the others idle:
    its throughput and CPU per update, and how its chats' answers came."""
    api, linli_pids = deployment.api, [p.pid for p in deployment.processes]
    linli0 = total_cpu(linli_pids)
    pg0, driver0, machine0 = server_cpu(), cpu_seconds(), machine_busy()
    started = time.perf_counter()
    results = await asyncio.gather(
        *(resident(api, first + r, args, deployment.latencies) for r in range(args.residents))
    )
    elapsed = time.perf_counter() - started
    linli1 = total_cpu(linli_pids)
    pg_used, machine1, driver1 = server_cpu_since(pg0), machine_busy(), cpu_seconds()
    violations = wrong = 0
    for r, (asked, _) in enumerate(results):
        got = [c.params["text"] for c in api.calls("sendMessage", FIRST_RESIDENT + first + r)]
        want = [deployment.answers[q] for q in asked]
        # Out of order: the right answers, in another order. Any other difference (a
        # missing or an unexpected reply) is counted apart.
        same_answers = sorted(got) == sorted(want)
        violations += same_answers and got != want
        wrong += not same_answers
        if got != want and os.environ.get("BENCH_DEBUG"):
            index = {a: QUESTIONS.index(q) for q, a in deployment.answers.items()}
            print("got", [index.get(g) for g in got], file=sys.stderr)
            print("want", [QUESTIONS.index(q) for q in asked], file=sys.stderr)
    return Phase(
        updates=args.residents * args.messages,
        seconds=elapsed,
        unanswered=sum(missing for _, missing in results),
        order_violations=violations,
        chats_with_other_replies=wrong,
        linli_cpu=linli1 - linli0,
        pg_cpu=pg_used if pg0 else None,
        emulator_cpu=(driver1 or 0.0) - (driver0 or 0.0),
        machine_cpu=machine1 - machine0,
    )


def summary(
    deployment: Deployment, commits: int, rows: int, send_rate: float | None
) -> dict[str, object]:
    phases, latencies = deployment.phases, deployment.latencies
    updates = sum(p.updates for p in phases)
    seconds = sum(p.seconds for p in phases)

    def ms_per_update(cpu: list[float | None]) -> float | None:
        known = [c for c in cpu if c is not None]
        return round(1000 * sum(known) / updates, 3) if len(known) == len(cpu) else None

    return {
        "processes": deployment.n,
        "updates": updates,
        "seconds": round(seconds, 3),
        "updates_per_s": round(updates / seconds, 1),
        "updates_per_s_by_round": [p.rate for p in phases],
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "unanswered": sum(p.unanswered for p in phases),
        "order_violations": sum(p.order_violations for p in phases),
        "chats_with_other_replies": sum(p.chats_with_other_replies for p in phases),
        "linli_cpu_ms_per_update": ms_per_update([p.linli_cpu for p in phases]),
        # PostgreSQL's processes (when the server runs here), and the emulator with the
        # residents (this process): what shares the cores with linli.
        "pg_cpu_ms_per_update": ms_per_update([p.pg_cpu for p in phases]),
        "emulator_cpu_ms_per_update": ms_per_update([p.emulator_cpu for p in phases]),
        "machine_cpu_ms_per_update": ms_per_update([p.machine_cpu for p in phases]),
        # How many of the machine's cores were busy on average: N processes compared at
        # less than all of them are compared on the length of their path, not their capacity.
        "machine_busy_cores": round(sum(p.machine_cpu for p in phases) / seconds, 2),
        "pg_commits_per_update": round(commits / updates, 2),
        "pg_rows_written_per_update": round(rows / updates, 2),
        "outbox_send_rate_per_s": send_rate,
    }


async def alternate(pair: list[Deployment], args: argparse.Namespace, first: int) -> None:
    """``--rounds`` rounds of a phase of each deployment in turn (every other round
    backwards: 1, 2, 2, 1, …, so that what the machine does over time falls on both alike);
    residents numbered from ``first`` on, new in every phase."""
    for round_index in range(args.rounds):
        for deployment in pair if round_index % 2 == 0 else pair[::-1]:
            done = await phase(deployment, args, first)
            first += args.residents
            deployment.phases.append(done)
            if os.environ.get("BENCH_DEBUG"):
                print(f"N = {deployment.n}: {done}", file=sys.stderr)


async def finish(deployment: Deployment, before: tuple[int, int], args: argparse.Namespace) -> dict:
    """The deployment's figures: PostgreSQL's counters since ``before``, and the outbox."""
    await asyncio.sleep(1.5)  # PostgreSQL publishes its counters lazily
    commits, rows = await pg_counters(deployment.url)
    send_rate = await outbox_rate(deployment.api, deployment.url, args.outbox)
    return summary(deployment, commits - before[0], rows - before[1], send_rate)


def versus(other: Deployment, base: Deployment, since: int) -> dict[str, object]:
    """``other``'s rate against the baseline's phases measured beside it (from ``since``)."""
    beside = base.phases[since : since + len(other.phases)]

    def rate(phases: list[Phase]) -> float:
        return sum(p.updates for p in phases) / sum(p.seconds for p in phases)

    return {
        "overall": round(rate(other.phases) / rate(beside), 3),
        "by_round": [round(a.rate / b.rate, 3) for a, b in zip(other.phases, beside, strict=True)],
    }


async def bench(args: argparse.Namespace) -> dict[str, object]:
    """The first N of ``--processes`` (1 by default) is the baseline: it stays up while each
    other N in turn is brought up, measured in rounds beside it, and stopped (all at once
    would take more of PostgreSQL's 100 default connections than there are)."""
    base_n, *others = [int(n) for n in args.processes.split(",")]
    server_url = normalise_url(args.postgres).render_as_string(hide_password=False)
    results, ratios = [], {}
    first = 0
    async with deployed(base_n, args, server_url) as base:
        await asyncio.sleep(1.5)
        base_before = await pg_counters(base.url)
        if not others:
            await alternate([base], args, first)
        for n in others:
            async with deployed(n, args, server_url) as other:
                await asyncio.sleep(1.5)
                before = await pg_counters(other.url)
                since = len(base.phases)
                await alternate([base, other], args, first)
                first += 2 * args.rounds * args.residents
                results.append(await finish(other, before, args))
                ratios[n] = versus(other, base, since)
        results.insert(0, await finish(base, base_before, args))
    return {
        "residents": args.residents,
        "messages_each": args.messages,
        "rounds": args.rounds,
        "burst": args.burst,
        "warm_up_questions_each": args.warm_up,
        "balancer_connections": args.connections,
        "postgres_over": "unix socket" if _socket_dir(args.postgres) else "tcp",
        "outbox_send_rate_limit": args.send_rate,
        "cpus": os.cpu_count(),
        "results": results,
        # Each N against the baseline's phases beside it: all rounds together, and each
        # round against the baseline's phase of the same round (seconds apart, so the
        # machine's drift cancels out).
        f"vs_{base_n}_process{'es' if base_n > 1 else ''}": ratios,
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
    parser.add_argument(
        "--processes", default="1,2,4", help="comma-separated N to run, the baseline first"
    )
    # A hundred residents at once, as bench_updates.py's targets: enough to keep every
    # process busy, so that what is compared is what N processes can handle. With twenty,
    # neither N = 1 nor N = 2 was busy all the time (the cores 0.45 and 0.15 idle), and
    # N = 2 then measured its longer path from one line of a burst to the next (README,
    # "Scale", fourteenth session).
    parser.add_argument("--residents", type=int, default=100, help="residents asking at once")
    parser.add_argument("--messages", type=int, default=30, help="questions per resident")
    parser.add_argument("--burst", type=int, default=2, help="questions sent at once")
    parser.add_argument(
        "--warm-up", type=int, default=6, help="questions per resident before measuring"
    )
    parser.add_argument("--connections", type=int, default=8, help="posts in flight at once")
    parser.add_argument("--outbox", type=int, default=600, help="messages for the leader")
    parser.add_argument("--send-rate", type=float, default=300, help="LINLI_SEND_RATE")
    parser.add_argument(
        "--rounds",
        type=int,
        default=6,
        help="measured phases of each N, in turns, every deployment up throughout",
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args))))


if __name__ == "__main__":
    main()
