"""Fair under floods: what one resident flooding linli costs the other residents.

The benchmark hosts the Bot API emulator enforcing Telegram's limits as in production (30
messages/s overall, 1/s per private chat, 20/min per group) and starts ``linli run`` as its
own process against it with production settings (LINLI_REPLY_RATE=30, the outbox's default
rates, LINLI_QUESTIONS_PER_MINUTE=20, LINLI_FILINGS_PER_HOUR=5) on a fresh SQLite database,
with a staff group.

One resident (the flooder) sends ``--flood-questions`` questions and ``--flood-filings``
complaints (/complain through to ✅ 提交) as fast as linli lets them: bursts of questions
sent at once, a filing after each burst, each filing step as soon as the bot has asked it.
Meanwhile ``--others`` residents, starting spread over ``--spread-s``, each ask
``--questions`` questions and file one complaint at a person's pace (``--think-s`` between
messages). The run ends when the others are done and their staff cards have arrived; what
the flooder had not got through by then is counted as unfinished (Telegram's 1 message/s to
one private chat bounds how fast any one resident can be answered).

Figures for the others: ``other_p50_ms`` / ``other_p99_ms`` from each message or button press
to the bot's next message in that chat (the answer or the next question),
``other_reaction_p99_ms`` to the bot's first visible change (a pressed message is edited
first), ``other_card_p50_ms`` / ``other_card_p99_ms`` from pressing ✅ 提交 to the ticket's card
in the staff group. For the flooder: questions answered and refused ("你发得太快了"),
filings filed and refused (past 5 an hour), actions unfinished. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot_api_emulator import BotApiServer, FloodLimits

QUESTIONS = [
    "低保怎么申请",
    "廉租房申请条件",
    "楼上装修太吵了怎么办",
    "居住证怎么办理",
    "社保断缴了怎么补",
    "老人日间照料中心怎么收费",
]
STAFF_CHAT_ID = -1009000
FLOODER_ID = 400_000
FIRST_OTHER = 400_001
NUMBER = re.compile(r"工单号是：(\d{4}-\d{4})")
REFUSED_QUESTION = "你发得太快了"
REFUSED_FILING = "分钟后再提交"
SIMILAR = "📝 不是同一件，还是提交我的"
REACTIONS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")
WAIT_S = 120.0  # a reply later than this counts as lost (linli rides out 429s for 60 s)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float], q: float | None = None) -> float | None:
    if not values:
        return None
    return round(statistics.median(values) if q is None else percentile(values, q), 1)


@dataclass
class Person:
    """One resident in the emulator and what they measured."""

    api: BotApiServer
    user_id: int
    next_ms: dict[str, list[float]] = field(default_factory=lambda: {"typed": [], "press": []})
    reaction_ms: list[float] = field(default_factory=list)
    submitted: dict[str, float] = field(default_factory=dict)  # ticket number → press time
    lost: int = 0

    def __post_init__(self) -> None:
        self.user = self.api.user(self.user_id, f"居民{self.user_id}", language_code="zh-hans")

    async def act(
        self,
        inject: Callable[[], object],
        kind: str,
        until: Callable[[dict[str, Any]], bool] = lambda _message: True,
    ) -> dict[str, Any]:
        """Do ``inject`` (send or press), wait for the bot's next message in the chat that
        ``until`` accepts, record the latencies, and return that message as it is now."""
        api, chat = self.api, self.user_id
        before = len(api.calls(chat_id=chat))
        started = time.perf_counter()
        inject()

        def answered() -> tuple[list[Any], Any, dict[str, Any]] | None:
            new = [c for c in api.calls(chat_id=chat)[before:] if c.ok]
            for call in new:
                for message in call.messages if call.method == "sendMessage" else []:
                    if until(message):
                        return new, call, message
            return None

        try:
            new, send, message = await api.wait_for(answered, timeout=WAIT_S)
        except TimeoutError:
            self.lost += 1
            raise
        first_reaction = next(c for c in new if c.method in REACTIONS)
        self.next_ms[kind].append((send.time - started) * 1000)
        self.reaction_ms.append((first_reaction.time - started) * 1000)
        current = api.world.messages.get((chat, message["message_id"]), message)
        return dict(current)

    async def say(
        self, text: str, until: Callable[[dict[str, Any]], bool] = lambda _m: True
    ) -> dict[str, Any]:
        return await self.act(lambda: self.api.send_text(self.user, text), "typed", until)

    async def press(self, message: dict[str, Any], label: str) -> dict[str, Any]:
        press = lambda: self.api.press_button(self.user, message, label=label)  # noqa: E731
        return await self.act(press, "press")

    async def file(self, n: int, think_s: float) -> None:
        """/complain through to submission (the steps of tests/e2e/test_filing.py)."""
        pause = lambda: asyncio.sleep(think_s)  # noqa: E731
        # The flooder's earlier questions may still be being answered: wait for the form.
        question = await self.say("/complain", until=lambda m: "噪音扰民" in _labels(m))
        await pause()
        question = await self.press(question, "噪音扰民")
        await pause()
        description = (
            f"楼上每天晚上十一点以后还在装修，电钻声音很大，第{n}次反映，住户{self.user_id}"
        )
        await self.say(description)
        await pause()
        question = await self.say(f"幸福小区{self.user_id % 97}号楼{n % 7 + 1}单元")
        await pause()
        question = await self.press(question, "没有照片，继续 »")
        await pause()
        question = await self.press(question, "跳过 »")
        await pause()
        summary = await self.press(question, "🙋 不匿名，可以显示名字")
        await pause()
        pressed = time.perf_counter()
        outcome = await self.press(summary, "✅ 提交")
        if SIMILAR in _labels(outcome):  # linli shows similar open tickets first
            await pause()
            pressed = time.perf_counter()
            outcome = await self.press(outcome, SIMILAR)
        filed = NUMBER.search(outcome.get("text", ""))
        if filed:
            self.submitted[filed.group(1)] = pressed
        elif REFUSED_FILING in outcome.get("text", ""):
            await self.say("/cancel")  # the draft was kept; drop it to start the next one


def _labels(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def other_resident(person: Person, start_s: float, questions: int, think_s: float) -> None:
    await asyncio.sleep(start_s)
    rng = random.Random(person.user_id)
    for i in range(questions):
        await person.say(QUESTIONS[(person.user_id + i) % len(QUESTIONS)])
        await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
    await person.file(1, think_s)


@dataclass
class Flood:
    questions_sent: int = 0
    filings_started: int = 0


async def flooder(person: Person, args: argparse.Namespace, flood: Flood) -> None:
    """Bursts of questions sent at once, each followed by a filing at once."""
    while flood.questions_sent < args.flood_questions or flood.filings_started < args.flood_filings:
        burst = min(args.burst, args.flood_questions - flood.questions_sent)
        for _ in range(burst):
            person.api.send_text(person.user, QUESTIONS[flood.questions_sent % len(QUESTIONS)])
            flood.questions_sent += 1
        if flood.filings_started < args.flood_filings:
            flood.filings_started += 1
            await person.file(flood.filings_started, 0.0)
        else:  # only questions left: wait for this burst's answers before the next
            await person.api.wait_for(
                lambda: len(person.api.sent_to(person.user_id)) >= flood.questions_sent,
                timeout=WAIT_S,
            )


async def start_linli(api: BotApiServer, workdir: Path, code: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        # The checkout to measure (an editable install would otherwise win from another cwd).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")])),
        "LINLI_BOT_TOKEN": api.token,
        "LINLI_BOT_API_URL": api.url,
        "LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}",
        "LINLI_STAFF_CHAT_ID": str(STAFF_CHAT_ID),
        "LINLI_LOG_LEVEL": "WARNING",
        "PTB_TIMEDELTA": "1",
    }
    for production_default in (  # the limits are the subject: production's, not the shell's
        "LINLI_REPLY_RATE",
        "LINLI_SEND_RATE",
        "LINLI_SEND_PRIVATE_CHAT_RATE",
        "LINLI_SEND_GROUP_PER_MINUTE",
        "LINLI_QUESTIONS_PER_MINUTE",
        "LINLI_FILINGS_PER_HOUR",
    ):
        env.pop(production_default, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "run", env=env, cwd=workdir
    )
    await api.wait_for_call("setMyCommands", count=2, timeout=60)  # linli is ready
    return process


def cards_in(api: BotApiServer) -> dict[str, float]:
    """Ticket number → when its card reached the staff group."""
    found: dict[str, float] = {}
    for call in api.calls("sendMessage", STAFF_CHAT_ID):
        match = re.search(r"#(\d{4}-\d{4})", str(call.params.get("text", "")))
        if call.ok and match:
            found.setdefault(match.group(1), call.time)
    return found


def print_card_timeline(
    started: float, cards: dict[str, float], others: dict[str, float], flood: dict[str, float]
) -> None:
    """BENCH_DEBUG=1: every card in the staff group, whose it is, when submitted and sent."""
    for number, sent in sorted(cards.items(), key=lambda item: item[1]):
        whose = "flooder" if number in flood else "other"
        pressed = flood.get(number, others.get(number, sent))
        print(
            f"{sent - started:7.2f}s card {number} {whose:8} submitted {pressed - started:7.2f}s"
            f" waited {(sent - pressed) * 1000:8.0f} ms",
            file=sys.stderr,
        )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiServer(flood_limits=FloodLimits()) as api:
            api.group(STAFF_CHAT_ID, "社区工作群")
            process = await start_linli(api, Path(tmp), args.code.resolve())
            try:
                return await measure(api, args)
            finally:
                process.terminate()
                await process.wait()


async def measure(api: BotApiServer, args: argparse.Namespace) -> dict[str, Any]:
    warm = Person(api, FIRST_OTHER + 10_000)  # lazy imports and caches, not measured
    await warm.say(QUESTIONS[0])
    flood = Flood()
    loud = Person(api, FLOODER_ID)
    others = [Person(api, FIRST_OTHER + i) for i in range(args.others)]
    started = time.perf_counter()
    flooding = asyncio.create_task(flooder(loud, args, flood))
    rng = random.Random(1)
    results = await asyncio.gather(
        *(
            other_resident(p, rng.uniform(0, args.spread_s), args.questions, args.think_s)
            for p in others
        ),
        return_exceptions=True,
    )
    others_done_s = time.perf_counter() - started
    submitted = {n: t for p in others for n, t in p.submitted.items()}
    with contextlib.suppress(TimeoutError):  # a card never sent shows as a missing one
        await api.wait_for(lambda: set(submitted) <= set(cards_in(api)), timeout=WAIT_S)
    flood_finished = flooding.done()
    flooding.cancel()
    await asyncio.gather(flooding, return_exceptions=True)
    cards = cards_in(api)
    if os.environ.get("BENCH_DEBUG"):
        print_card_timeline(started, cards, submitted, loud.submitted)
    card_ms = [(cards[n] - t) * 1000 for n, t in submitted.items() if n in cards]
    typed_ms = [v for p in others for v in p.next_ms["typed"]]
    press_ms = [v for p in others for v in p.next_ms["press"]]
    next_ms = typed_ms + press_ms
    reaction_ms = [v for p in others for v in p.reaction_ms]
    flooder_saw = [m.get("text", "") for m in api.sent_to(FLOODER_ID)]
    violations = api.flood_violations
    return {
        "code": args.code.resolve().name,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
        "others": args.others,
        "other_messages": len(next_ms),
        "other_p50_ms": ms(next_ms),
        "other_p99_ms": ms(next_ms, 0.99),
        "other_max_ms": round(max(next_ms), 1) if next_ms else None,
        "other_typed_p99_ms": ms(typed_ms, 0.99),
        "other_press_p99_ms": ms(press_ms, 0.99),
        "other_reaction_p99_ms": ms(reaction_ms, 0.99),
        "other_tickets": len(submitted),
        "other_cards": len(card_ms),
        "other_card_p50_ms": ms(card_ms),
        "other_card_p99_ms": ms(card_ms, 0.99),
        "other_errors": sum(isinstance(r, BaseException) for r in results),
        "others_done_s": round(others_done_s, 1),
        "flooder": {
            "questions_sent": flood.questions_sent,
            "questions_answered": sum(text.startswith("【") for text in flooder_saw),
            "questions_refused": sum(REFUSED_QUESTION in text for text in flooder_saw),
            "filings_started": flood.filings_started,
            "filings_filed": len(loud.submitted),
            "filings_refused": sum(REFUSED_FILING in text for text in flooder_saw),
            "cards_in_staff_group": len(set(loud.submitted) & set(cards)),
            "finished": flood_finished,
            "questions_unsent": args.flood_questions - flood.questions_sent,
            "filings_unstarted": args.flood_filings - flood.filings_started,
        },
        "flood_violations": {
            scope: sum(v.scope == scope for v in violations)
            for scope in ("overall", "private_chat", "group")
        },
        "flood_violations_other_chats": sum(
            v.chat_id not in (FLOODER_ID, None) for v in violations
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood-questions", type=int, default=200)
    parser.add_argument("--flood-filings", type=int, default=50)
    parser.add_argument("--burst", type=int, default=20, help="flood questions per filing")
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--questions", type=int, default=3, help="questions of each other")
    parser.add_argument("--spread-s", type=float, default=60.0)
    parser.add_argument("--think-s", type=float, default=2.0)
    parser.add_argument(
        "--code",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="the linli checkout to run (default: this one), e.g. another branch to compare",
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
