"""The matcher: from what a resident typed to *answer*, *suggest*, *none* or *too short*.

Pipeline: normalise (knowledge.normalize) → preselect alternate questions from the inverted
index (knowledge.index) → score the best few entries by IDF-weighted overlap, their keywords
and a rapidfuzz comparison of characters and pinyin → decide with calibrated thresholds.
Examples of what linli does *not* handle (_out_of_scope.yaml) compete as a pseudo-entry: when
they win, the answer is an honest *none*.

With a calibrated fusion in matcher.yaml, the learned layer (knowledge.learned) and the
semantic layer (knowledge.semantic) score every question too, and knowledge.fusion turns the
three into one confidence per candidate and the decision. Both layers are built with the
matcher: a reload builds a new matcher in a worker thread while the old one keeps answering.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.config import MatcherConfig, load_matcher_config
from knowledge.embedder import Embedder
from knowledge.fusion import Signals, decide_fused, fuse, shown
from knowledge.index import Featurizer, InvertedIndex
from knowledge.index_cache import index_key, load_index, save_index
from knowledge.keywords import KeywordTable
from knowledge.layers import DEFAULT_EMBEDDER, Layers, build_layers, exact_key
from knowledge.learned import OUT_OF_SCOPE
from knowledge.model import Candidate, Decision, DecisionKind, Entry, KnowledgeBase
from knowledge.normalize import Normalizer, cjk_runs, language_of, meaningful_length
from knowledge.pinyin import spell, syllable
from knowledge.segment import kb_tokenizer

MAX_CANDIDATES = 5
_EMBEDDING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="linli-embed")

DECISION_CACHE = 4096
"""Decisions kept per matcher (identical questions are answered without matching again)."""


class KeptDecisions:
    """The last ``size`` decisions by question text, least recently used forgotten first.

    Read from the event loop's thread (``Matcher.kept``) while worker threads decide and
    keep, hence the lock (held for a dictionary operation, never while matching)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[str, Decision] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> Decision | None:
        with self._lock:
            decision = self._kept.get(text)
            if decision is not None:
                self._kept.move_to_end(text)
            return decision

    def keep(self, text: str, decision: Decision) -> None:
        with self._lock:
            self._kept[text] = decision
            self._kept.move_to_end(text)
            if len(self._kept) > self._size:
                self._kept.popitem(last=False)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Entry indices with their scores (best first), and the out-of-scope pseudo-entry's."""

    normalized: str
    length: int
    ranked: tuple[tuple[int, float], ...]
    oos: float


def length_scale(cfg: MatcherConfig, length: int) -> float:
    """A long story shares only part of its words with any alternate, so its overlap scores
    are lower for the same certainty: they are scaled by the length before any threshold."""
    return max(0.5, 1.0 + cfg.length_boost * math.log(max(length, 1) / cfg.reference_length))


def decide_kind(cfg: MatcherConfig, ranking: Ranking) -> DecisionKind:
    """*answer* when confident and clearly ahead, *suggest* when unsure, else *none*
    (the lexical-only rule, used when matcher.yaml holds no fusion)."""
    if ranking.length <= cfg.too_short:
        return DecisionKind.TOO_SHORT
    scale = length_scale(cfg, ranking.length)
    scores = [s * scale for _, s in ranking.ranked]
    oos = ranking.oos * scale
    best = scores[0] if scores else 0.0
    if not scores or oos + cfg.oos_margin >= best:
        return DecisionKind.NONE
    runner_up = max(scores[1] if len(scores) > 1 else 0.0, oos)
    if best >= cfg.answer_threshold and best - runner_up >= cfg.margin:
        return DecisionKind.ANSWER
    # A modest score far ahead of every other entry and of the out-of-scope examples is
    # also an answer: long, colloquial messages share few words with any alternate, so
    # their scores stay low even when only one topic fits them.
    if cfg.lead_ratio > 0 and best >= cfg.lead_floor and best >= cfg.lead_ratio * runner_up:
        return DecisionKind.ANSWER
    if best >= cfg.suggest_threshold:
        return DecisionKind.SUGGEST
    return DecisionKind.NONE


class Matcher:
    """Matches residents' questions to knowledge-base entries.

    Building it does all the slow work (jieba, index, pinyin) once; ``decide`` only reads
    shared state, so one matcher can serve many threads.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatcherConfig | None = None,
        embedder: Embedder | str | None = DEFAULT_EMBEDDER,
    ) -> None:
        """``embedder``: the semantic layer's model; by default the one matcher.yaml or
        LINLI_EMBEDDER names, None for none (lexical and learned layers only)."""
        self.kb = kb
        self.config = config or load_matcher_config()
        self.normalizer = Normalizer(kb.synonyms, kb.stopwords)
        # A large knowledge base's lexical index is read from disk when it was built before.
        key = (
            index_key(kb, self.config)
            if len(kb.entries) >= self.config.index_cache_min_entries
            else None
        )
        cached = load_index(key) if key else None
        words = cached[0] if cached else sorted(_user_words(kb, self.normalizer))
        tokenizer = kb_tokenizer(words, self.config.jieba_word_freq, self.config.jieba_min_freq)
        self._featurizer = Featurizer(tokenizer)
        self._oos = len(kb.entries)  # the out-of-scope pseudo-entry's index
        # Normalised documents are not stored (at 50,000 entries they would cost more than
        # the index): they are normalised again for the few entries a question is compared
        # with, and the ones compared most often are cached.
        self._normalized_doc = lru_cache(maxsize=8192)(self._normalize_doc)
        self._decisions = KeptDecisions(DECISION_CACHE)
        if cached:
            self._index, self._keywords = cached[1], cached[2]
        else:
            self._index = InvertedIndex(self._documents, len(kb.entries) + 1, self.config)
            self._keywords = KeywordTable(
                [[self.normalizer.normalize(k) for k in e.keywords] for e in kb.entries]
            )
            if key:
                save_index(key, (words, self._index, self._keywords))
        self.layers: Layers = build_layers(
            kb, self.config, self.normalizer.normalize, self._cut, embedder
        )

    def _cut(self, run: str) -> list[str]:
        return self._featurizer.words(run)

    def _raw_documents(self, entry: int) -> list[str]:
        return _documents(self.kb.entries[entry]) if entry < self._oos else [*self.kb.out_of_scope]

    def _documents(self) -> Iterator[tuple[int, set[int]]]:
        """Every entry's documents as (entry index, features), in index order.

        A document that normalises to nothing (only filler words) keeps its place with no
        features, so document ids stay aligned with ``_raw_documents``.
        """
        featurize, normalize = self._featurizer.features, self.normalizer.normalize
        for entry in range(self._oos + 1):
            yield from ((entry, featurize(normalize(t))) for t in self._raw_documents(entry))

    def _normalize_doc(self, doc: int) -> str:
        entry = self._index.doc_entry[doc]
        text = self._raw_documents(entry)[doc - self._index.entry_start[entry]]
        return self.normalizer.normalize(text).replace(" ", "")

    @property
    def fused(self) -> bool:
        """True when decisions come from the calibrated fusion of the layers."""
        return self.layers.mode in self.config.fusion

    def decide(self, text: str) -> Decision:
        """Rank the entries for ``text`` and decide what to do with the best of them.

        Residents ask the same things in the same words all the time (低保怎么申请), and
        with every layer a decision costs tens of milliseconds of CPU (the embedding model):
        the last DECISION_CACHE decisions are kept. A matcher serves one version of the
        knowledge base, and a change builds a new matcher, so a kept decision is never stale.
        """
        decision = self._decisions.get(text)
        if decision is None:
            decision = self._decide(text)
            self._decisions.keep(text, decision)
        return decision

    def kept(self, text: str) -> Decision | None:
        """The decision kept for exactly ``text``, without matching (None if there is none):
        a caller that would hand ``decide`` to a worker thread asks this first, since a
        thread hand-off costs more than the answer it already has."""
        return self._decisions.get(text)

    def _decide(self, text: str) -> Decision:
        if self.fused:
            return self._decide_fused(text)
        ranking = self.rank(text)
        kind = decide_kind(self.config, ranking)
        candidates = tuple(Candidate(self.kb.entries[i].id, round(s, 4)) for i, s in ranking.ranked)
        return Decision(kind, ranking.normalized, candidates, language_of(text))

    def _decide_fused(self, text: str) -> Decision:
        signals = self.signals(text)
        if signals.length == 0:
            return Decision(DecisionKind.TOO_SHORT, signals.normalized, (), language_of(text))
        weights = self.config.fusion[signals.mode]
        ranked = fuse(weights, signals)
        kind = decide_fused(weights, ranked, signals.length, self.config.too_short)
        exact = self.layers.exact.get(exact_key(signals.normalized))
        if exact == OUT_OF_SCOPE:
            kind = DecisionKind.NONE
        elif exact is not None:
            ranked = [(exact, 1.0), *((e, c) for e, c in ranked if e != exact)]
            kind = DecisionKind.ANSWER
        candidates = tuple(
            Candidate(self.kb.entries[i].id, round(c, 4)) for i, c in ranked[:MAX_CANDIDATES]
        )
        return Decision(kind, signals.normalized, candidates, language_of(text), len(shown(ranked)))

    def signals(self, text: str) -> Signals:
        """Every layer's scores for ``text`` (used by ``decide`` and by calibration)."""
        normalized = self.normalizer.normalize(text)
        length = meaningful_length(normalized)
        # The embedding model runs in native code without the GIL: started first, it works
        # on the other core while the lexical and learned layers score here.
        pending = None
        if length > 0 and self.layers.semantic is not None:
            pending = _EMBEDDING.submit(self.layers.semantic.scores, text)
        lexical = self.lexical(normalized, length)
        lexical_oos = lexical[-1]
        learned, learned_oos = None, 0.0
        semantic, semantic_oos = None, 0.0
        if length > 0 and self.layers.learned is not None:
            learned, learned_oos = self.layers.learned.scores(normalized)
        if pending is not None:
            semantic, semantic_oos = pending.result()
        return Signals(
            normalized, length, lexical[:-1], lexical_oos, learned, learned_oos, semantic,
            semantic_oos,
        )  # fmt: skip

    def lexical(self, normalized: str, length: int) -> np.typing.NDArray[np.float64]:
        """Length-scaled lexical score per entry index, the out-of-scope pseudo-entry last."""
        out = np.zeros(self._oos + 1)
        if length == 0:
            return out
        scale = length_scale(self.config, length)
        for entry, score in self._score(normalized).items():
            out[entry] = score * scale
        return out

    def rank(self, text: str) -> Ranking:
        """The scores behind a decision (used by ``decide`` and by calibration)."""
        normalized = self.normalizer.normalize(text)
        scores = self._score(normalized)
        oos = scores.pop(self._oos, 0.0)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]
        return Ranking(normalized, meaningful_length(normalized), tuple(ranked), oos)

    def _score(self, normalized: str) -> dict[int, float]:
        """Final score per entry index (the out-of-scope pseudo-entry included)."""
        cfg = self.config
        doc_scores = self._index.score(self._featurizer.features(normalized))
        overlap: dict[int, float] = {}
        best_docs: dict[int, list[int]] = {}
        doc_entry = self._index.doc_entry
        for doc, s in sorted(doc_scores.items(), key=lambda ds: -ds[1]):
            entry = doc_entry[doc]
            overlap.setdefault(entry, s)
            docs = best_docs.setdefault(entry, [])
            if len(docs) < cfg.fuzzy_documents:
                docs.append(doc)
        chars = normalized.replace(" ", "")
        keyword = self._keywords.match(chars, list(map(syllable, chars)), normalized)
        for entry in keyword:
            overlap.setdefault(entry, 0.0)
        best = sorted(overlap, key=lambda e: -(overlap[e] + cfg.keyword_weight * keyword.get(e, 0)))
        sounds = spell(chars)
        scores: dict[int, float] = {}
        for entry in best[: cfg.rerank_entries]:
            kw = min(keyword.get(entry, 0.0), cfg.keyword_cap) if entry != self._oos else 0.0
            fuzzy = self._fuzzy(entry, best_docs.get(entry, ()), chars, sounds)
            scores[entry] = (
                cfg.dice_weight * overlap[entry]
                + cfg.keyword_weight * kw
                + cfg.fuzzy_weight * fuzzy
            )
        return scores

    def _fuzzy(self, entry: int, docs: Sequence[int], chars: str, sounds: str) -> float:
        """rapidfuzz similarity (0–1) of the question to the entry's closest documents.

        Only the documents that overlapped most are compared (all of them for an entry found
        by its keywords alone), so the cost does not grow with an entry's size: the
        out-of-scope examples are one pseudo-entry with hundreds of documents.
        """
        if not docs:
            docs = range(self._index.entry_start[entry], self._index.entry_start[entry + 1])
        texts = [self._normalized_doc(d) for d in docs]
        by_chars = process.extractOne(chars, texts, scorer=fuzz.ratio)
        # Pinyin of the documents is spelled on demand (cached for the documents asked about
        # most) rather than stored: at 50,000 entries it would cost more than the index.
        by_sound = process.extractOne(sounds, [_spelled(t) for t in texts], scorer=fuzz.ratio)
        best = max(by_chars[1] if by_chars else 0.0, by_sound[1] if by_sound else 0.0)
        return float(best) / 100.0


def _documents(entry: Entry) -> list[str]:
    """The texts an entry is matched against: its questions, titles and keywords."""
    texts = [*entry.questions, entry.title, entry.title_en, " ".join(entry.keywords)]
    return [t for t in texts if t.strip()]


@lru_cache(maxsize=8192)
def _spelled(text: str) -> str:
    return spell(text)


def _user_words(kb: KnowledgeBase, normalizer: Normalizer) -> set[str]:
    """Words jieba must keep whole: keywords, title parts and the lexicon's canonical words."""
    words: set[str] = set()
    for entry in kb.entries:
        for text in (*entry.keywords, entry.title):
            words.update(run for run in cjk_runs(normalizer.normalize(text)) if len(run) >= 2)
    words.update(w for w in map(normalizer.normalize, kb.synonyms.values()) if w)
    return {w for w in words if 2 <= len(w) <= 8 and " " not in w}
