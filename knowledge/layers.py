"""Building the learned and semantic layers of a matcher from its knowledge base.

Both are trained or embedded from the same texts: every entry's questions (``_learned.yaml``
included), titles and keywords, and the out-of-scope examples as the negative class. Above
the configured sizes a layer is left out (and the matcher runs on the others) rather than
making start-up wait minutes: the lexical index is what scales to 50,000 entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from knowledge.config import MatcherConfig
from knowledge.embedder import (
    CachedEmbedder,
    Embedder,
    embedder_spec,
    embedder_status,
    load_embedder,
)
from knowledge.learned import OUT_OF_SCOPE, LearnedLayer
from knowledge.model import KnowledgeBase
from knowledge.semantic import SemanticLayer

log = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "default"  # Matcher(embedder=...): the one matcher.yaml/LINLI_EMBEDDER names


@dataclass(frozen=True, slots=True)
class Layers:
    """The layers a matcher has beyond the lexical one, and a word on each."""

    learned: LearnedLayer | None
    semantic: SemanticLayer | None
    learned_status: str
    semantic_status: str
    # A question that is, once normalised, exactly one entry's text (or an out-of-scope
    # example) is that entry (or none): what an admin attached or marked is decided, not
    # weighed. Texts shared by several entries are left out.
    exact: dict[str, int] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """Which calibrated fusion applies: "all", "no_semantic", or "lexical" (no learned
        layer: matcher.yaml's lexical-only rule decides, as no fusion is fitted for it)."""
        if self.learned is None:
            return "lexical"
        return "all" if self.semantic is not None else "no_semantic"


def training_texts(kb: KnowledgeBase) -> tuple[list[str], list[int]]:
    """Every text of every entry with its entry index, then the out-of-scope examples."""
    texts: list[str] = []
    labels: list[int] = []
    for i, e in enumerate(kb.entries):
        own = [*e.questions, e.title, e.title_en, *e.keywords]
        own = [t for t in dict.fromkeys(own) if t.strip()]
        texts += own
        labels += [i] * len(own)
    texts += kb.out_of_scope
    labels += [OUT_OF_SCOPE] * len(kb.out_of_scope)
    return texts, labels


def build_layers(
    kb: KnowledgeBase,
    config: MatcherConfig,
    normalize: Callable[[str], str],
    cut: Callable[[str], list[str]],
    embedder: Embedder | str | None = DEFAULT_EMBEDDER,
) -> Layers:
    """Train the learned layer and embed the semantic one, as far as configured and able."""
    texts, labels = training_texts(kb)
    learned: LearnedLayer | None = None
    normalized: list[str] = []
    if not config.learned:
        learned_status = "off (learned: false)"
    elif len(kb.entries) > config.learned_max_entries:
        learned_status = f"off (more than {config.learned_max_entries} entries)"
    else:
        normalized = [normalize(t) for t in texts]
        learned = LearnedLayer(normalized, labels, len(kb.entries), cut, config.learned_c)
        learned_status = "on"
    model, semantic_status = _embedder(config, embedder)
    semantic: SemanticLayer | None = None
    if model is not None and len(texts) > config.semantic_max_documents:
        semantic_status = f"off (more than {config.semantic_max_documents} texts)"
    elif model is not None:
        cache = CachedEmbedder(model)
        semantic = SemanticLayer(
            texts, labels, len(kb.entries), model, config.semantic_max_chars, cache
        )
    exact = _exact(normalized, labels) if learned is not None else {}
    return Layers(learned, semantic, learned_status, semantic_status, exact)


def exact_key(normalized: str) -> str:
    """How a normalised text is looked up among the exact texts (spaces do not count)."""
    return normalized.replace(" ", "")


def _exact(normalized: list[str], labels: list[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    shared: set[str] = set()
    for text, label in zip(normalized, labels, strict=True):
        key = exact_key(text)
        if not key:
            continue
        if found.setdefault(key, label) != label:
            shared.add(key)
    return {k: v for k, v in found.items() if k not in shared}


def _embedder(config: MatcherConfig, given: Embedder | str | None) -> tuple[Embedder | None, str]:
    if given is None:
        return None, "off (no embedder given)"
    if not isinstance(given, str):
        return given, f"on ({given.version})"
    spec = embedder_spec(config.embedder)
    model = load_embedder(spec)
    return model, embedder_status(spec)
