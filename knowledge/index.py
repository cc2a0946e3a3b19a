"""Features of a normalised text and the inverted index that preselects matching questions.

A question becomes a set of features: jieba words (``w``), Chinese character bigrams (``b``),
pinyin syllable bigrams (``p``, so that 底保 and 低保 meet) and English words (``e``). Each
feature is weighted by an IDF computed over *entries*: a word that many topics use (多少钱,
怎么办, 申请) weighs little, a word only one topic uses (低保) weighs a lot. The index maps
features to the alternate questions ("documents") holding them; scoring a query walks only
the rarest postings within a budget, so its cost stays flat as the knowledge base grows.
"""

from __future__ import annotations

import heapq
import itertools
import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from functools import lru_cache
from operator import itemgetter
from typing import Protocol

from pypinyin import lazy_pinyin

from knowledge.config import MatcherConfig
from knowledge.normalize import cjk_runs, latin_words

# English words too common to tell topics apart (a short list: IDF does the rest).
_EN_STOP_WORDS = (
    "a an the i me my we our you your he she it they them is are was were be been am do "
    "does did to of in on at for from by with and or not no can could would should will "
    "shall may there here this that these those what how when where who which why any some "
    "if about have has had get got please hi hello just want need"
)
_EN_STOP = frozenset(_EN_STOP_WORDS.split())


class Tokenizer(Protocol):
    def lcut(self, sentence: str, cut_all: bool = ..., HMM: bool = ...) -> list[str]: ...


@lru_cache(maxsize=20000)
def syllable(char: str) -> str:
    """The toneless pinyin of one character (per character, so both sides always agree)."""
    return str(lazy_pinyin(char)[0])


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Featurizer:
    """Turns a normalised text into its set of features."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer

    def features(self, normalized: str) -> set[str]:
        """Words, character bigrams, pinyin bigrams and English words of the text."""
        feats: set[str] = set()
        for run in cjk_runs(normalized):
            feats.update("w" + w for w in self._tokenizer.lcut(run, HMM=False) if len(w) >= 2)
            feats.update("b" + run[i : i + 2] for i in range(len(run) - 1))
            sounds = [syllable(c) for c in run]
            feats.update(f"p{a} {b}" for a, b in itertools.pairwise(sounds))
        for word in latin_words(normalized):
            if word not in _EN_STOP and len(word) >= 2:
                feats.add("e" + _stem(word))
        return feats


class InvertedIndex:
    """Feature → documents, with entry-level IDF weights and per-document weight norms."""

    def __init__(
        self, docs: Iterable[tuple[int, set[str]]], n_entries: int, config: MatcherConfig
    ) -> None:
        """Index documents given as (entry index, features), grouped by entry.

        Documents are consumed one at a time and never kept, so that building the index for
        a large knowledge base holds only the compact posting arrays in memory.
        """
        self._config = config
        self._n = max(n_entries, 1)
        postings: dict[str, array[int]] = {}
        df: dict[str, int] = {}
        doc_entry = array("i")
        entry_feats: set[str] = set()
        current = -1
        for doc_id, (entry, feats) in enumerate(docs):
            if entry != current:
                for f in entry_feats:
                    df[f] = df.get(f, 0) + 1
                entry_feats, current = set(), entry
            entry_feats.update(feats)
            doc_entry.append(entry)
            for f in feats:
                ids = postings.get(f)
                if ids is None:
                    postings[f] = array("i", (doc_id,))
                else:
                    ids.append(doc_id)
        for f in entry_feats:
            df[f] = df.get(f, 0) + 1
        self._weight = {f: self._idf_weight(f, d) for f, d in df.items()}
        norm = array("d", bytes(8 * len(doc_entry)))
        for f, ids in postings.items():
            w = self._weight[f]
            for d in ids:
                norm[d] += w
        self._postings = postings
        self.doc_entry = doc_entry
        self.doc_norm = norm

    def _idf_weight(self, feature: str, df: int) -> float:
        idf = math.log(1.0 + (self._n - df + 0.5) / (df + 0.5))
        return float(
            self._config.feature_weights.get(feature[0], 1.0) * idf**self._config.idf_power
        )

    def weight(self, feature: str) -> float:
        """The weight of a feature; unseen features weigh as the rarest, damped."""
        known = self._weight.get(feature)
        if known is not None:
            return known
        return self._idf_weight(feature, 0) * self._config.unknown_weight

    def score(self, feats: set[str]) -> dict[int, float]:
        """Weighted Dice similarity of the query with its best-matching documents."""
        known = [(f, self._postings[f]) for f in feats if f in self._postings]
        q_norm = sum(self.weight(f) for f in feats)
        if not known or q_norm <= 0:
            return {}
        known.sort(key=lambda fp: len(fp[1]))
        acc: dict[int, float] = {}
        budget = self._config.posting_budget
        deferred: list[tuple[str, array[int]]] = []
        for f, docs in known:
            if len(docs) > budget and acc:
                deferred.append((f, docs))
                continue
            w = self._weight[f]
            for d in docs[:budget]:
                acc[d] = acc.get(d, 0.0) + w
            budget -= min(len(docs), budget)
        top = heapq.nlargest(self._config.preselect_alternates, acc.items(), key=itemgetter(1))
        shared = dict(top)
        for f, docs in deferred:  # common features: only checked on the preselected documents
            w = self._weight[f]
            for d in shared:
                i = bisect_left(docs, d)
                if i < len(docs) and docs[i] == d:
                    shared[d] += w
        # A long story should not be punished for its details: the question's side of the
        # Dice denominator is capped at a multiple of the document's own weight.
        cap = self._config.query_norm_cap
        norm = self.doc_norm
        return {d: 2.0 * s / (min(q_norm, cap * norm[d]) + norm[d]) for d, s in shared.items()}
