"""Fit the fusion of the layers and the decision thresholds on labelled questions.

    linli kb calibrate tests/data/kb-labelled.jsonl [more.jsonl …] [--kb DIR] [--write]

Every question is scored once by every layer. Each candidate entry of each question becomes
one row of fusion features (knowledge.fusion), labelled 1 when it is the expected entry; a
logistic regression on those rows is the fusion. Thresholds are then chosen on out-of-fold
confidences (questions split in five groups, each scored by a fusion fitted on the other
four), so they are not chosen on rows the fusion has already seen.

The objective is the residents': the most of them helped (a right direct answer, or a "did
you mean" list holding the right entry), subject to wrong direct answers ≤ MAX_WRONG of the
direct answers and out-of-scope questions kept from a direct answer ≥ MIN_OOS_KEPT (both
with headroom under the targets of 2 % and 95 %), and "did you mean" on at most MAX_SUGGEST
of the questions, out-of-scope questions rejected ("I don't know") ≥ MIN_OOS_REJECT. Among
those, the score is: residents helped, plus a tenth of a point for each right answer that
was direct rather than a list, and for each out-of-scope question told honestly "I don't
know" rather than shown a list. Two fusions are fitted: with the semantic layer ("all") and
without it ("no_semantic"). ``--write`` stores them in knowledge/matcher.yaml.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from sklearn.linear_model import LogisticRegression

from knowledge.evaluate import LabelledQuestion
from knowledge.fusion import FEATURES, Signals, candidates, decide_fused, features, shown
from knowledge.matcher import Matcher
from knowledge.model import DecisionKind

MAX_WRONG = 0.015
MIN_OOS_KEPT = 0.96
MIN_OOS_REJECT = 0.60
MAX_SUGGEST = 0.20
BONUS = 0.1
FOLDS = 5
C_FUSION = 1.0


@dataclass(frozen=True, slots=True)
class _Question:
    expect: int | None  # entry index, None for out of scope
    length: int
    entries: list[int]
    rows: npt.NDArray[np.float64]


def scored(matcher: Matcher, items: Sequence[LabelledQuestion]) -> list[tuple[int | None, Signals]]:
    """Every question's expected entry index (None: out of scope) and its layers' scores."""
    index = {e.id: i for i, e in enumerate(matcher.kb.entries)}
    return [
        (index.get(item.expect) if item.expect else None, matcher.signals(item.q)) for item in items
    ]


def _questions(scores: Sequence[tuple[int | None, Signals]], semantic: bool) -> list[_Question]:
    out = []
    for expect, s in scores:
        if not semantic:
            s = replace(s, semantic=None, semantic_oos=0.0)
        entries = candidates(s) if s.length else []
        out.append(_Question(expect, s.length, entries, features(s, entries)))
    return out


def _fit(questions: Sequence[_Question]) -> dict[str, float]:
    x = np.vstack([q.rows for q in questions if q.entries])
    y = np.concatenate([[e == q.expect for e in q.entries] for q in questions if q.entries])
    # Standardised, so that the regularisation treats the layers alike (cosines of the
    # embedding model all fall between 0.8 and 1), then folded back into plain weights.
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    model = LogisticRegression(C=C_FUSION, max_iter=2000).fit((x - mean) / std, y.astype(int))
    coef = model.coef_[0] / std
    weights = {name: round(float(w), 4) for name, w in zip(FEATURES, coef, strict=True)}
    weights["bias"] = round(float(model.intercept_[0] - coef @ mean), 4)
    return weights


def _confidences(weights: dict[str, float], q: _Question) -> list[tuple[int, float]]:
    if not q.entries:
        return []
    w = np.asarray([weights[name] for name in FEATURES])
    conf = 1.0 / (1.0 + np.exp(-(q.rows @ w + weights["bias"])))
    return sorted(zip(q.entries, map(float, conf), strict=True), key=lambda ec: (-ec[1], ec[0]))


def _out_of_fold(questions: Sequence[_Question]) -> list[list[tuple[int, float]]]:
    ranked: list[list[tuple[int, float]]] = [[] for _ in questions]
    for fold in range(FOLDS):
        train = [q for i, q in enumerate(questions) if i % FOLDS != fold]
        weights = _fit(train)
        for i, q in enumerate(questions):
            if i % FOLDS == fold:
                ranked[i] = _confidences(weights, q)
    return ranked


def replay(
    thresholds: dict[str, float],
    questions: Sequence[_Question],
    ranked: Sequence[list[tuple[int, float]]],
    too_short: int,
) -> dict[str, float]:
    """The figures these thresholds give on already-scored questions."""
    helped = right = wrong = answers = suggest = none_in = oos_kept = oos_reject = 0
    for q, r in zip(questions, ranked, strict=True):
        kind = decide_fused(thresholds, r, q.length, too_short)
        top = shown(r)
        if kind is DecisionKind.ANSWER:
            answers += 1
            right += q.expect is not None and r[0][0] == q.expect
            wrong += r[0][0] != q.expect
        suggest += kind is DecisionKind.SUGGEST
        if q.expect is not None:
            helped += (kind is DecisionKind.ANSWER and top[0] == q.expect) or (
                kind is DecisionKind.SUGGEST and q.expect in top
            )
            none_in += kind is DecisionKind.NONE
        else:
            oos_kept += kind is not DecisionKind.ANSWER
            oos_reject += kind is DecisionKind.NONE
    n_in = sum(q.expect is not None for q in questions) or 1
    n_oos = sum(q.expect is None for q in questions) or 1
    return {
        "helped": helped / n_in,
        "none_in_scope": none_in / n_in,
        "answered_right": right / n_in,
        "false_answer_rate": wrong / answers if answers else 0.0,
        "oos_kept_from_answer": oos_kept / n_oos,
        "oos_reject": oos_reject / n_oos,
        "suggest_rate": suggest / len(questions),
        "score": (helped + BONUS * right + BONUS * oos_reject) / len(questions),
    }


def _grid() -> list[dict[str, float]]:
    answer = [round(0.2 + 0.025 * i, 3) for i in range(31)] + [0.96, 0.97, 0.98, 0.99]
    suggest = [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]
    margins = [0.0, 0.05, 0.1, 0.2, 0.3]
    return [
        {"answer_threshold": a, "suggest_threshold": s, "margin": m}
        for a, s, m in itertools.product(answer, suggest, margins)
        if s <= a
    ]


def _choose(
    questions: Sequence[_Question], ranked: Sequence[list[tuple[int, float]]], too_short: int
) -> tuple[dict[str, float], dict[str, float]] | None:
    best: tuple[tuple[float, float], dict[str, float], dict[str, float]] | None = None
    for thresholds in _grid():
        f = replay(thresholds, questions, ranked, too_short)
        if (
            f["false_answer_rate"] > MAX_WRONG
            or f["oos_kept_from_answer"] < MIN_OOS_KEPT
            or f["oos_reject"] < MIN_OOS_REJECT
            or f["suggest_rate"] > MAX_SUGGEST
        ):
            continue
        key = (f["score"], f["helped"])
        if best is None or key > best[0]:
            best = (key, thresholds, f)
    return (best[1], best[2]) if best else None


def calibrate(
    matcher: Matcher, items: Sequence[LabelledQuestion], semantic: bool = True
) -> tuple[dict[str, float], dict[str, float]] | None:
    """The fusion (weights and thresholds) for these questions, with its out-of-fold
    figures; None when no thresholds meet the constraints."""
    questions = _questions(scored(matcher, items), semantic)
    chosen = _choose(questions, _out_of_fold(questions), matcher.config.too_short)
    if chosen is None:
        return None
    thresholds, figures = chosen
    return {**_fit(questions), **thresholds}, figures


def write_fusion(fusion: dict[str, dict[str, float]], path: Path | None = None) -> Path:
    """Store the fusions in matcher.yaml (the bundled one by default), keeping the rest."""
    target = path or Path(str(resources.files("knowledge").joinpath("matcher.yaml")))
    text = target.read_text(encoding="utf-8")
    head = text.split("\nfusion:")[0].rstrip("\n")
    data: dict[str, Any] = {"fusion": fusion}
    body = yaml.safe_dump(data, sort_keys=False, width=100)
    note = "# Written by `linli kb calibrate … --write`: the fused decision (knowledge.fusion).\n"
    if "# Written by `linli kb calibrate" in head:
        head = head.split("\n# Written by `linli kb calibrate")[0]
    target.write_text(f"{head}\n{note}{body}", encoding="utf-8")
    return target
