"""Evaluation of the matcher on labelled questions, for operators tuning their knowledge base.

Labelled questions are JSONL, one ``{"q": "...", "expect": "<entry id>" | null}`` per line
(an optional ``style`` groups the figures; other keys are ignored).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from knowledge.model import Decision, DecisionKind


class _Decider(Protocol):
    def decide(self, text: str) -> Decision: ...


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """One question and the entry it should get (None: linli should say it doesn't know)."""

    q: str
    expect: str | None
    style: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the matcher decided for one labelled question, and how long it took."""

    item: LabelledQuestion
    decision: Decision
    latency_ms: float

    @property
    def rank(self) -> int | None:
        """1-based rank of the expected entry among the candidates, or None."""
        ids = [c.entry_id for c in self.decision.candidates]
        return ids.index(self.item.expect) + 1 if self.item.expect in ids else None


@dataclass(frozen=True, slots=True)
class Figures:
    """The issue's figures; a share is None when its denominator is empty."""

    n: int
    n_in_scope: int
    top1: float | None
    top3: float | None
    mrr: float | None
    n_oos: int
    oos_reject: float | None
    n_answers: int
    false_answer_rate: float | None
    suggest_rate: float | None
    # What residents live by: helped = a right direct answer, or a "did you mean" list
    # holding the right entry (over in-scope questions); none_in_scope = in-scope questions
    # that got "I don't know"; direct_answer_rate = questions answered directly (over all);
    # oos_kept_from_answer = out-of-scope questions not answered directly.
    helped: float | None = None
    none_in_scope: float | None = None
    direct_answer_rate: float | None = None
    oos_kept_from_answer: float | None = None


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Figures over all questions, by style, latency, and every outcome for details."""

    overall: Figures
    by_style: dict[str, Figures]
    p50_ms: float
    p99_ms: float
    outcomes: tuple[Outcome, ...]


def read_labelled(path: Path) -> list[LabelledQuestion]:
    """The labelled questions of a JSONL file (blank lines skipped)."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            items.append(LabelledQuestion(str(data["q"]), data.get("expect"), data.get("style")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled question: {exc}") from exc
    return items


def evaluate(matcher: _Decider, items: Iterable[LabelledQuestion]) -> EvalReport:
    """Ask every question, time each decision and compute the figures."""
    outcomes = []
    for item in items:
        started = time.perf_counter()
        decision = matcher.decide(item.q)
        outcomes.append(Outcome(item, decision, (time.perf_counter() - started) * 1000.0))
    styles = sorted({o.item.style for o in outcomes if o.item.style})
    latencies = sorted(o.latency_ms for o in outcomes)
    return EvalReport(
        overall=figures(outcomes),
        by_style={s: figures([o for o in outcomes if o.item.style == s]) for s in styles},
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        outcomes=tuple(outcomes),
    )


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def figures(outcomes: Sequence[Outcome]) -> Figures:
    """top-1/top-3/MRR over in-scope questions, rejection over out-of-scope ones, and rates."""
    in_scope = [o for o in outcomes if o.item.expect is not None]
    oos = [o for o in outcomes if o.item.expect is None]
    ranks = [o.rank for o in in_scope]
    answers = [o for o in outcomes if o.decision.kind is DecisionKind.ANSWER]
    false = [o for o in answers if o.decision.entry_id != o.item.expect]
    suggested = [o for o in outcomes if o.decision.kind is DecisionKind.SUGGEST]
    nones = [o for o in in_scope if o.decision.kind is DecisionKind.NONE]
    return Figures(
        n=len(outcomes),
        n_in_scope=len(in_scope),
        top1=_share(sum(r == 1 for r in ranks), len(in_scope)),
        top3=_share(sum(r is not None and r <= 3 for r in ranks), len(in_scope)),
        mrr=sum(1.0 / r for r in ranks if r) / len(in_scope) if in_scope else None,
        n_oos=len(oos),
        oos_reject=_share(sum(o.decision.kind is DecisionKind.NONE for o in oos), len(oos)),
        n_answers=len(answers),
        false_answer_rate=_share(len(false), len(answers)),
        suggest_rate=_share(len(suggested), len(outcomes)),
        helped=_share(sum(map(_helped, in_scope)), len(in_scope)),
        none_in_scope=_share(len(nones), len(in_scope)),
        direct_answer_rate=_share(len(answers), len(outcomes)),
        oos_kept_from_answer=_share(
            sum(o.decision.kind is not DecisionKind.ANSWER for o in oos), len(oos)
        ),
    )


def suggestion_ids(decision: Decision) -> list[str]:
    """The entry ids shown in a "did you mean" list, in order (empty unless suggest)."""
    return [c.entry_id for c in decision.suggestions()]


def _helped(o: Outcome) -> bool:
    if o.decision.kind is DecisionKind.ANSWER:
        return o.decision.entry_id == o.item.expect
    return o.item.expect in suggestion_ids(o.decision)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of sorted values (0 for none)."""
    if not values:
        return 0.0
    rank = max(1, min(len(values), math.ceil(pct / 100.0 * len(values))))
    return values[rank - 1]


def report_json(report: EvalReport, semantic: str | None = None) -> dict[str, Any]:
    """The report as one JSON-ready object (the overall figures at the top level);
    ``semantic`` says whether the semantic layer took part, and why not."""
    data: dict[str, Any] = asdict(report.overall)
    if semantic is not None:
        data["semantic_layer"] = semantic
    data["p50_ms"] = round(report.p50_ms, 3)
    data["p99_ms"] = round(report.p99_ms, 3)
    data["by_style"] = {style: asdict(f) for style, f in report.by_style.items()}
    return data


def outcome_details(report: EvalReport) -> Iterator[dict[str, Any]]:
    """One JSON-ready record per question: what was expected, decided and ranked."""
    for o in report.outcomes:
        yield {
            "q": o.item.q,
            "expect": o.item.expect,
            "style": o.item.style,
            "decision": o.decision.kind.value,
            "entry": o.decision.entry_id,
            "rank": o.rank,
            "normalized": o.decision.normalized,
            "candidates": [[c.entry_id, c.score] for c in o.decision.candidates],
            "suggestions": suggestion_ids(o.decision),
            "ok": _is_ok(o),
        }


def _is_ok(o: Outcome) -> bool:
    if o.item.expect is None:
        return o.decision.kind is DecisionKind.NONE
    return o.rank == 1 and o.decision.kind is not DecisionKind.NONE


def _pct(value: float | None) -> str:
    return "   –  " if value is None else f"{value * 100:5.1f}%"


def format_report(report: EvalReport) -> str:
    """A human-readable table: overall figures, latency, and one line per style."""
    head = (
        f"{'':12} {'n':>4} {'top1':>6} {'top3':>6} {'mrr':>6} {'oos':>4} "
        f"{'reject':>6} {'false':>6} {'sugg':>6} {'helped':>6} {'idk':>6} {'direct':>6}"
    )
    lines = [head]
    rows = [("all", report.overall), *report.by_style.items()]
    for name, f in rows:
        mrr = "   –  " if f.mrr is None else f"{f.mrr:6.3f}"
        lines.append(
            f"{name[:12]:12} {f.n_in_scope:>4} {_pct(f.top1)} {_pct(f.top3)} {mrr} {f.n_oos:>4} "
            f"{_pct(f.oos_reject)} {_pct(f.false_answer_rate)} {_pct(f.suggest_rate)} "
            f"{_pct(f.helped)} {_pct(f.none_in_scope)} {_pct(f.direct_answer_rate)}"
        )
    lines.append(f"latency p50 {report.p50_ms:.2f} ms, p99 {report.p99_ms:.2f} ms")
    lines.append("n = in-scope questions; oos = out-of-scope; false = wrong answers / answers")
    lines.append(
        'helped = right answer or right entry in did-you-mean; idk = in-scope "I don\'t know"'
    )
    return "\n".join(lines)
