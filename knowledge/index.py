"""Features of a normalised text and the inverted index that preselects matching questions.

A question becomes a set of features: jieba words, pinyin syllable bigrams (so that 底保 and
低保 meet, and 低保 meets itself) and English words. Each feature is weighted by an IDF
computed over *entries*: a word that many topics use (多少钱, 怎么办, 申请) weighs little, a
word only one topic uses (低保) weighs a lot. The index maps features to the alternate
questions ("documents") holding them; scoring a query walks only the rarest postings within a
budget, so its cost stays flat as the knowledge base grows.

Memory is what limits a large knowledge base, so features are 62-bit integers (a tag and a
stable hash, or two syllable ids) and the index is three flat arrays: sorted feature keys,
their offsets into one postings array, and their weights. It is built in two passes over the
documents: the first counts, the second fills arrays of exactly the right size.
"""

from __future__ import annotations

import heapq
import itertools
import math
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from functools import lru_cache
from hashlib import blake2b
from operator import itemgetter
from typing import Protocol

from knowledge.config import MatcherConfig
from knowledge.normalize import cjk_runs, latin_words
from knowledge.pinyin import syllable_ids

# English words too common to tell topics apart (a short list: IDF does the rest).
_EN_STOP_WORDS = (
    "a an the i me my we our you your he she it they them is are was were be been am do "
    "does did to of in on at for from by with and or not no can could would should will "
    "shall may there here this that these those what how when where who which why any some "
    "if about have has had get got please hi hello just want need"
)
_EN_STOP = frozenset(_EN_STOP_WORDS.split())
_TAG_SHIFT = 60
_TAGS = {"w": 1, "p": 2, "e": 3}
_TAG_NAMES = {tag: name for name, tag in _TAGS.items()}
_HASH_MASK = (1 << _TAG_SHIFT) - 1
_NO_SOUND = 1024  # characters without a reading are keyed by code point above the syllables

Documents = Callable[[], Iterable[tuple[int, set[int]]]]


class Tokenizer(Protocol):
    def lcut(self, sentence: str, cut_all: bool = ..., HMM: bool = ...) -> list[str]: ...


@lru_cache(maxsize=4096)
def _hashed(tag: int, text: str) -> int:
    """A stable 60-bit hash (Python's own str hash changes between processes)."""
    digest = int.from_bytes(blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
    return (tag << _TAG_SHIFT) | (digest & _HASH_MASK)


def feature_kind(key: int) -> str:
    """ "w" (word), "p" (pinyin bigram) or "e" (English word): the weight family of a key."""
    return _TAG_NAMES.get(key >> _TAG_SHIFT, "w")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Featurizer:
    """Turns a normalised text into its set of feature keys."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer
        self._sounds = syllable_ids()

    def words(self, run: str) -> list[str]:
        """The jieba words (two characters or more) of a run of Chinese characters."""
        return [w for w in self._tokenizer.lcut(run, HMM=False) if len(w) > 1]

    def features(self, normalized: str) -> set[int]:
        """Words, pinyin bigrams and English words of the text, as integer keys."""
        feats: set[int] = set()
        sounds = self._sounds
        tag_w, tag_p = _TAGS["w"], _TAGS["p"] << _TAG_SHIFT
        for run in cjk_runs(normalized):
            feats.update(
                _hashed(tag_w, w) for w in self._tokenizer.lcut(run, HMM=False) if len(w) > 1
            )
            ids = [sounds.get(c, _NO_SOUND + ord(c) - 0x3400) for c in run]
            feats.update(tag_p | a << 16 | b for a, b in itertools.pairwise(ids))
        for word in latin_words(normalized):
            if word not in _EN_STOP and len(word) >= 2:
                feats.add(_hashed(_TAGS["e"], _stem(word)))
        return feats


class InvertedIndex:
    """Feature → documents, with entry-level IDF weights and per-document weight norms."""

    def __init__(self, docs: Documents, n_entries: int, config: MatcherConfig) -> None:
        """Index documents given as (entry index, features), grouped by entry in order.

        ``docs`` is called twice and must yield the same documents both times: the first
        pass counts each feature's documents and entries, the second fills the postings.
        """
        self._config = config
        self._n = max(n_entries, 1)
        counts, self.doc_entry, self.entry_start = _count(docs(), n_entries)
        self._keys = array("q", sorted(counts))
        self._offsets = array("q", [0])
        self._weights = array("d")
        for pos, key in enumerate(self._keys):
            n_docs, n_ent = divmod(counts[key], 1 << 24)
            self._offsets.append(self._offsets[-1] + n_docs)
            self._weights.append(self._idf_weight(feature_kind(key), n_ent))
            counts[key] = pos  # the counts become the key → position map of the second pass
        self._postings = array("i", bytes(4 * self._offsets[-1]))
        self.doc_norm = array("f", bytes(4 * len(self.doc_entry)))
        fill = array("q", self._offsets[:-1])
        for doc, (_, feats) in enumerate(docs()):
            for key in feats:
                pos = counts[key]
                self._postings[fill[pos]] = doc
                fill[pos] += 1
                self.doc_norm[doc] += self._weights[pos]

    def _idf_weight(self, kind: str, df: int) -> float:
        idf = math.log(1.0 + (self._n - df + 0.5) / (df + 0.5))
        return float(self._config.feature_weights.get(kind, 1.0) * idf**self._config.idf_power)

    def _find(self, key: int) -> int:
        pos = bisect_left(self._keys, key)
        return pos if pos < len(self._keys) and self._keys[pos] == key else -1

    def score(self, feats: set[int]) -> dict[int, float]:
        """Weighted Dice similarity of the query with its best-matching documents."""
        known: list[tuple[int, int]] = []
        q_norm = 0.0
        for key in feats:
            pos = self._find(key)
            if pos < 0:  # unseen features weigh as the rarest, damped
                q_norm += self._idf_weight(feature_kind(key), 0) * self._config.unknown_weight
            else:
                known.append((self._offsets[pos + 1] - self._offsets[pos], pos))
                q_norm += self._weights[pos]
        if not known or q_norm <= 0:
            return {}
        known.sort()
        acc: dict[int, float] = {}
        get, postings = acc.get, self._postings
        budget = self._config.posting_budget
        deferred: list[int] = []
        for length, pos in known:
            if length > budget and acc:
                deferred.append(pos)
                continue
            w, start = self._weights[pos], self._offsets[pos]
            for d in postings[start : start + min(length, budget)]:
                acc[d] = get(d, 0.0) + w
            budget -= min(length, budget)
        top = heapq.nlargest(self._config.preselect_alternates, acc.items(), key=itemgetter(1))
        shared = dict(top)
        ascending = sorted(shared)
        # Common features are only checked on the preselected documents, and only the rarer
        # ones: in a long story the most common words weigh little and would cost most.
        for pos in deferred[: self._config.deferred_features]:
            w, lo, hi = self._weights[pos], self._offsets[pos], self._offsets[pos + 1]
            for d in ascending:  # both sides sorted: each search starts where the last ended
                lo = bisect_left(postings, d, lo, hi)
                if lo == hi:
                    break
                if postings[lo] == d:
                    shared[d] += w
        # A long story should not be punished for its details: the question's side of the
        # Dice denominator is capped at a multiple of the document's own weight.
        cap = self._config.query_norm_cap
        norm = self.doc_norm
        return {d: 2.0 * s / (min(q_norm, cap * norm[d]) + norm[d]) for d, s in shared.items()}


def _count(
    docs: Iterable[tuple[int, set[int]]], n_entries: int
) -> tuple[dict[int, int], array[int], array[int]]:
    """Per feature: documents × 2**24 + entries holding it; each document's entry; where each
    entry's documents start (entries in order, the last start one past the end)."""
    counts: dict[int, int] = {}
    doc_entry, entry_start = array("i"), array("i")
    entry_feats: set[int] = set()
    doc = -1
    for doc, (entry, feats) in enumerate(docs):
        while len(entry_start) <= entry:
            entry_start.append(doc)
            _add_entry(counts, entry_feats)
            entry_feats = set()
        doc_entry.append(entry)
        entry_feats.update(feats)
        for key in feats:
            counts[key] = counts.get(key, 0) + (1 << 24)
    _add_entry(counts, entry_feats)
    while len(entry_start) <= n_entries:
        entry_start.append(doc + 1)
    return counts, doc_entry, entry_start


def _add_entry(counts: dict[int, int], feats: set[int]) -> None:
    for key in feats:
        counts[key] += 1
