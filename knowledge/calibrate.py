"""Choose the decision thresholds from labelled questions.

    python -m knowledge.calibrate tests/data/kb-labelled.jsonl [--kb DIR] [--write]

Every question is ranked once; then a grid of (answer threshold, margin, suggest threshold,
out-of-scope margin) is replayed over the rankings. Among the settings that meet the targets
(with a little headroom), the one with the most right answers, fewest wrong answers and
fewest "did you mean" prompts wins. ``--write`` stores it in knowledge/matcher.yaml.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from knowledge.config import MatcherConfig
from knowledge.evaluate import LabelledQuestion, read_labelled
from knowledge.loader import load_knowledge_base
from knowledge.matcher import Matcher, Ranking, decide_kind
from knowledge.model import DecisionKind

THRESHOLDS = (
    "answer_threshold",
    "margin",
    "suggest_threshold",
    "oos_margin",
    "lead_ratio",
    "lead_floor",
)
# Targets of the issue, tightened a little so that the choice is not on a knife edge.
MIN_OOS_REJECT = 0.92
MAX_FALSE_ANSWERS = 0.04
MAX_SUGGEST = 0.18


def _grid() -> list[tuple[float, ...]]:
    steps = [round(0.30 + 0.025 * i, 3) for i in range(25)]
    leads = [(0.0, 0.3), *itertools.product([1.3, 1.5, 1.8], [0.15, 0.25])]
    # The suggest threshold is the answer threshold itself (no "did you mean") or a step below.
    choices = itertools.product(steps, [0.0, 0.05, 0.1], [0.0, 0.1, 0.2], [0.0, 0.1], leads)
    return [(a, m, round(a - d, 3), o, r, f) for a, m, d, o, (r, f) in choices]


def _utility(
    cfg: MatcherConfig, rows: Sequence[tuple[LabelledQuestion, Ranking, list[str]]]
) -> tuple[float, dict[str, float]] | None:
    """How good these thresholds are (None when they miss a target).

    A right answer is worth 1, a wrong one costs 3 (a confident wrong answer is worse than
    an honest "I don't know"), a suggestion that holds the right entry is worth 0.4, one
    that does not costs 0.3, and not rejecting an out-of-scope question costs 2.
    """
    right = wrong = useful = useless = oos_kept = answers = suggest = 0
    n_oos = sum(item.expect is None for item, _, _ in rows)
    for item, ranking, ids in rows:
        kind = decide_kind(cfg, ranking)
        if kind is DecisionKind.ANSWER:
            answers += 1
            right += ids[0] == item.expect
            wrong += ids[0] != item.expect
        elif kind is DecisionKind.SUGGEST:
            suggest += 1
            useful += item.expect in ids[:3]
            useless += item.expect not in ids[:3]
        oos_kept += item.expect is None and kind is not DecisionKind.NONE
    figures = {
        "oos_reject": 1 - oos_kept / n_oos if n_oos else 1.0,
        "false_answer_rate": wrong / answers if answers else 0.0,
        "suggest_rate": suggest / len(rows),
        "answered_right": right / len(rows),
        "useful_suggestions": useful / len(rows),
    }
    if (
        figures["oos_reject"] < MIN_OOS_REJECT
        or figures["false_answer_rate"] > MAX_FALSE_ANSWERS
        or figures["suggest_rate"] > MAX_SUGGEST
    ):
        return None
    return right - 3 * wrong + 0.4 * useful - 0.3 * useless - 2 * oos_kept, figures


def calibrate(
    matcher: Matcher, items: Sequence[LabelledQuestion]
) -> tuple[MatcherConfig, dict[str, float]] | None:
    """The best thresholds for these labelled questions, with their figures (None: no fit)."""
    rows = []
    for item in items:
        ranking = matcher.rank(item.q)
        ids = [matcher.kb.entries[i].id for i, _ in ranking.ranked] or [""]
        rows.append((item, ranking, ids))
    best: tuple[float, MatcherConfig, dict[str, float]] | None = None
    for values in _grid():
        chosen: dict[str, Any] = dict(zip(THRESHOLDS, values, strict=True))
        cfg = dataclasses.replace(matcher.config, **chosen)
        result = _utility(cfg, rows)
        if result is not None and (best is None or result[0] > best[0]):
            best = (result[0], cfg, result[1])
    return (best[1], best[2]) if best else None


def main(argv: list[str] | None = None) -> int:
    """Command line: print (and with --write store) the calibrated thresholds."""
    parser = argparse.ArgumentParser(prog="python -m knowledge.calibrate")
    parser.add_argument("labelled", type=Path)
    parser.add_argument("--kb", type=Path, default=None)
    parser.add_argument("--write", action="store_true", help="update knowledge/matcher.yaml")
    args = parser.parse_args(argv)
    matcher = Matcher(load_knowledge_base(args.kb))
    found = calibrate(matcher, read_labelled(args.labelled))
    if found is None:
        print("no thresholds meet the targets on these questions")
        return 1
    cfg, figures = found
    chosen = {name: getattr(cfg, name) for name in THRESHOLDS}
    print(yaml.safe_dump({**chosen, "figures": figures}, sort_keys=False).strip())
    if args.write:
        path = Path(str(resources.files("knowledge").joinpath("matcher.yaml")))
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        data.update(chosen)
        header = (
            "# Matcher settings (knowledge.config.MatcherConfig). Weights were chosen by a small\n"
            "# grid search on labelled questions; the thresholds are written by\n"
            "# `python -m knowledge.calibrate tests/data/kb-labelled.jsonl --write`.\n"
        )
        path.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
