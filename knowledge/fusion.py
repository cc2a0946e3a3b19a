"""One calibrated decision from the lexical, learned and semantic scores.

For every candidate entry (the best few of each layer) the layers' scores become a short
feature vector: the entry's score in each layer, its lead over the best *other* entry there,
and how close the question is to the out-of-scope examples in each layer. A logistic model
fitted by ``knowledge.calibrate`` turns it into one confidence, the probability that the
candidate is the right entry. The out-of-scope scores are features like any other, so they
lower a weak match but cannot veto a strong one.

Two fusions are calibrated: with the semantic layer ("all") and without it
("no_semantic", for installations without the embedding model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.model import DecisionKind

FEATURES = (
    "lex",
    "lex_gap",
    "lex_oos",
    "learn",
    "learn_gap",
    "learn_oos",
    "sem",
    "sem_gap",
    "sem_oos",
    "lex_top",
    "learn_top",
    "sem_top",
    "short",
)
LAYER_CANDIDATES = 5  # each layer's best entries that become candidates
SUGGEST_FLOOR = 0.001  # a "did you mean" button needs at least this confidence
SUGGESTIONS = 3
THRESHOLDS = ("answer_threshold", "suggest_threshold", "margin")

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Signals:
    """Every layer's scores for one question (entry-index vectors and out-of-scope)."""

    normalized: str
    length: int
    lexical: Vector
    lexical_oos: float
    learned: Vector | None
    learned_oos: float
    semantic: Vector | None
    semantic_oos: float

    @property
    def mode(self) -> str:
        return "all" if self.semantic is not None else "no_semantic"


def candidates(signals: Signals) -> list[int]:
    """The entries worth fusing: the best few of every layer, without repeats."""
    found: dict[int, None] = {}
    for scores in (signals.lexical, signals.learned, signals.semantic):
        if scores is None or not len(scores):
            continue
        top = np.argpartition(-scores, min(LAYER_CANDIDATES, len(scores) - 1))
        for i in top[:LAYER_CANDIDATES]:
            if scores[i] > 0:
                found[int(i)] = None
    return list(found)


def _layer(scores: Vector | None, oos: float, entries: Sequence[int]) -> list[list[float]]:
    """(score, lead over the best other entry, out-of-scope, first here) per candidate."""
    if scores is None:
        return [[0.0, 0.0, 0.0, 0.0] for _ in entries]
    order = np.argsort(-scores)[:2] if len(scores) > 1 else np.asarray([0, 0])
    first, second = float(scores[order[0]]), float(scores[order[1]])
    out = []
    for e in entries:
        other = second if e == order[0] else first
        out.append([float(scores[e]), float(scores[e]) - other, oos, float(e == order[0])])
    return out


def features(signals: Signals, entries: Sequence[int]) -> npt.NDArray[np.float64]:
    """One row of FEATURES per candidate entry."""
    lex = _layer(signals.lexical, signals.lexical_oos, entries)
    learn = _layer(signals.learned, signals.learned_oos, entries)
    sem = _layer(signals.semantic, signals.semantic_oos, entries)
    short = 1.0 if signals.length <= 4 else 0.0
    rows = [
        [a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2], a[3], b[3], c[3], short]
        for a, b, c in zip(lex, learn, sem, strict=True)
    ]
    return np.asarray(rows, dtype=np.float64).reshape(len(entries), len(FEATURES))


def confidences(weights: Mapping[str, float], rows: npt.NDArray[np.float64]) -> Vector:
    """The fused confidence (0–1) of each row."""
    w = np.asarray([weights.get(name, 0.0) for name in FEATURES])
    z = rows @ w + weights.get("bias", 0.0)
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def fuse(weights: Mapping[str, float], signals: Signals) -> list[tuple[int, float]]:
    """Candidates with their fused confidence, best first."""
    entries = candidates(signals)
    if not entries:
        return []
    conf = confidences(weights, features(signals, entries))
    return sorted(zip(entries, map(float, conf), strict=True), key=lambda ec: (-ec[1], ec[0]))


def decide_fused(
    thresholds: Mapping[str, float],
    ranked: Sequence[tuple[int, float]],
    length: int,
    too_short: int,
) -> DecisionKind:
    """*answer* when confident and clearly ahead, *suggest* when unsure, else *none*.

    A short message is only asked to say more when it is not confidently one topic: an
    unambiguous keyword (低保, 失业) is answered.
    """
    best = ranked[0][1] if ranked else 0.0
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best >= thresholds["answer_threshold"] and best - runner_up >= thresholds["margin"]:
        return DecisionKind.ANSWER
    if length <= too_short:
        return DecisionKind.TOO_SHORT
    if best >= thresholds["suggest_threshold"]:
        return DecisionKind.SUGGEST
    return DecisionKind.NONE


def shown(ranked: Sequence[tuple[int, float]]) -> list[int]:
    """The entries a "did you mean" list shows: the best three that are not hopeless."""
    return [e for e, c in ranked[:SUGGESTIONS] if c >= SUGGEST_FLOOR]
