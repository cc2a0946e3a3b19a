"""The matcher: from what a resident typed to *answer*, *suggest*, *none* or *too short*.

Pipeline: normalise (knowledge.normalize) → preselect alternate questions from the inverted
index (knowledge.index) → score the best few entries by IDF-weighted overlap, their keywords
and a rapidfuzz comparison of characters and pinyin → decide with calibrated thresholds.
Examples of what linli does *not* handle (_out_of_scope.yaml) compete as a pseudo-entry: when
they win, the answer is an honest *none*.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from knowledge.config import MatcherConfig, load_matcher_config
from knowledge.index import Featurizer, InvertedIndex, syllable
from knowledge.keywords import KeywordTable
from knowledge.model import Candidate, Decision, DecisionKind, Entry, KnowledgeBase
from knowledge.normalize import Normalizer, cjk_runs, is_cjk, meaningful_length
from knowledge.segment import kb_tokenizer

MAX_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Ranking:
    """Entry indices with their scores (best first), and the out-of-scope pseudo-entry's."""

    normalized: str
    length: int
    ranked: tuple[tuple[int, float], ...]
    oos: float


def decide_kind(cfg: MatcherConfig, ranking: Ranking) -> DecisionKind:
    """*answer* when confident and clearly ahead, *suggest* when unsure, else *none*."""
    if ranking.length <= cfg.too_short:
        return DecisionKind.TOO_SHORT
    # A long story shares only part of its words with any alternate, so its overlap scores
    # are lower for the same certainty; scale them by the length before the thresholds.
    scale = max(0.5, 1.0 + cfg.length_boost * math.log(ranking.length / cfg.reference_length))
    scores = [s * scale for _, s in ranking.ranked]
    oos = ranking.oos * scale
    best = scores[0] if scores else 0.0
    if not scores or oos + cfg.oos_margin >= best:
        return DecisionKind.NONE
    runner_up = max(scores[1] if len(scores) > 1 else 0.0, oos)
    if best >= cfg.answer_threshold and best - runner_up >= cfg.margin:
        return DecisionKind.ANSWER
    if best >= cfg.suggest_threshold:
        return DecisionKind.SUGGEST
    return DecisionKind.NONE


class Matcher:
    """Matches residents' questions to knowledge-base entries.

    Building it does all the slow work (jieba, index, pinyin) once; ``decide`` only reads
    shared state, so one matcher can serve many threads.
    """

    def __init__(self, kb: KnowledgeBase, config: MatcherConfig | None = None) -> None:
        self.kb = kb
        self.config = config or load_matcher_config()
        self.normalizer = Normalizer(kb.synonyms, kb.stopwords)
        tokenizer = kb_tokenizer(_user_words(kb, self.normalizer), self.config.jieba_word_freq)
        self._featurizer = Featurizer(tokenizer)
        self._oos = len(kb.entries)  # the out-of-scope pseudo-entry's index
        texts: list[tuple[str, ...]] = []

        def documents() -> Iterator[tuple[int, set[str]]]:
            for i, questions in enumerate([*map(_documents, kb.entries), kb.out_of_scope]):
                normalized = [self.normalizer.normalize(q) for q in questions]
                texts.append(tuple(n.replace(" ", "") for n in normalized))
                yield from ((i, self._featurizer.features(n)) for n in normalized)

        self._index = InvertedIndex(documents(), len(kb.entries) + 1, self.config)
        self._texts = texts
        self._keywords = KeywordTable(
            [[self.normalizer.normalize(k) for k in e.keywords] for e in kb.entries]
        )

    def decide(self, text: str) -> Decision:
        """Rank the entries for ``text`` and decide what to do with the best of them."""
        ranking = self.rank(text)
        kind = decide_kind(self.config, ranking)
        candidates = tuple(Candidate(self.kb.entries[i].id, round(s, 4)) for i, s in ranking.ranked)
        return Decision(kind, ranking.normalized, candidates)

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
        for doc, s in doc_scores.items():
            entry = self._index.doc_entry[doc]
            if s > overlap.get(entry, 0.0):
                overlap[entry] = s
        chars = normalized.replace(" ", "")
        keyword = self._keywords.match(chars, [_sound(c) for c in chars], normalized)
        for entry in keyword:
            overlap.setdefault(entry, 0.0)
        best = sorted(overlap, key=lambda e: -(overlap[e] + cfg.keyword_weight * keyword.get(e, 0)))
        sounds = _sounds(chars)
        scores: dict[int, float] = {}
        for entry in best[: cfg.rerank_entries]:
            kw = min(keyword.get(entry, 0.0), cfg.keyword_cap) if entry != self._oos else 0.0
            scores[entry] = (
                cfg.dice_weight * overlap[entry]
                + cfg.keyword_weight * kw
                + cfg.fuzzy_weight * self._fuzzy(entry, chars, sounds)
            )
        return scores

    def _fuzzy(self, entry: int, chars: str, sounds: str) -> float:
        """rapidfuzz similarity (0–1) of the question to the entry's closest alternate."""
        texts = self._texts[entry]
        by_chars = process.extractOne(chars, texts, scorer=fuzz.ratio)
        # Pinyin of the alternates is computed here (cached per character) rather than stored:
        # at 50,000 entries storing it would cost more memory than the whole index.
        by_sound = process.extractOne(sounds, [_sounds(t) for t in texts], scorer=fuzz.ratio)
        best = max(by_chars[1] if by_chars else 0.0, by_sound[1] if by_sound else 0.0)
        return float(best) / 100.0


def _documents(entry: Entry) -> list[str]:
    """The texts an entry is matched against: its questions, titles and keywords."""
    texts = [*entry.questions, entry.title, entry.title_en, " ".join(entry.keywords)]
    return [t for t in texts if t.strip()]


@lru_cache(maxsize=20000)
def _sound(char: str) -> str:
    return syllable(char) if is_cjk(char) else char


@lru_cache(maxsize=50000)
def _sounds(chars: str) -> str:
    """The pinyin spelling of a text (bounded cache: the alternates asked about most)."""
    return " ".join(map(_sound, chars))


def _user_words(kb: KnowledgeBase, normalizer: Normalizer) -> set[str]:
    """Words jieba must keep whole: keywords, title parts and the lexicon's canonical words."""
    words: set[str] = set()
    for entry in kb.entries:
        for text in (*entry.keywords, entry.title):
            words.update(run for run in cjk_runs(normalizer.normalize(text)) if len(run) >= 2)
    words.update(w for w in map(normalizer.normalize, kb.synonyms.values()) if w)
    return {w for w in words if 2 <= len(w) <= 8 and " " not in w}
