"""A large knowledge base's lexical index is kept on disk and read back by the next start."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from knowledge import KnowledgeBase, Matcher
from knowledge.index_cache import index_key
from tests.knowledge.conftest import TINY_CONFIG

# Cached from the first entry on, lexical only: what this test is about.
CACHED = dataclasses.replace(TINY_CONFIG, index_cache_min_entries=1, learned=False, embedder="none")


def test_the_index_is_saved_and_read_back_with_the_same_answers(
    tiny_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LINLI_CACHE_DIR", str(tmp_path))
    first = Matcher(tiny_kb, CACHED)
    saved = list(tmp_path.glob("linli-index-*/*.pickle"))
    assert len(saved) == 1 and saved[0].stem == index_key(tiny_kb, CACHED)
    written = saved[0].stat().st_mtime_ns
    again = Matcher(tiny_kb, CACHED)
    for question in (
        "底保 材料",
        "楼上装修噪因太大了",
        "How can I apply for public rental housing",
    ):
        assert again.decide(question) == first.decide(question)
    assert saved[0].stat().st_mtime_ns == written  # read, not built and written again


def test_any_change_to_the_knowledge_base_or_settings_changes_the_key(tiny_kb: KnowledgeBase):
    entry = dataclasses.replace(tiny_kb.entries[0], questions=(*tiny_kb.entries[0].questions, "x"))
    edited = dataclasses.replace(tiny_kb, entries=(entry, *tiny_kb.entries[1:]))
    keys = {
        index_key(tiny_kb, CACHED),
        index_key(edited, CACHED),
        index_key(tiny_kb, dataclasses.replace(CACHED, idf_power=1.0)),
        index_key(dataclasses.replace(tiny_kb, synonyms={}), CACHED),
    }
    assert len(keys) == 4


def test_a_cache_others_may_write_to_is_not_read(
    tiny_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LINLI_CACHE_DIR", str(tmp_path))
    Matcher(tiny_kb, CACHED)
    [folder] = tmp_path.glob("linli-index-*")
    folder.chmod(0o777)
    [saved] = folder.glob("*.pickle")
    saved.write_bytes(b"not a pickle")  # would fail loudly if it were read
    assert Matcher(tiny_kb, CACHED).decide("低保怎么申请").candidates
