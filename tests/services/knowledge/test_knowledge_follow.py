"""The live knowledge base follows its files: an edit (or another process's reload) is
picked up, a broken version is refused once and the running one stays."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeBaseError, default_data_dir
from services.knowledge.live import LiveKnowledge

TAUGHT = "蓝色大象补贴在哪领"


def _teach(kb_dir: Path, learned: object) -> None:
    (kb_dir / "_learned.yaml").write_text(yaml.safe_dump(learned, allow_unicode=True), "utf-8")


async def test_changed_files_are_loaded_once_and_broken_ones_refused(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(default_data_dir(), kb_dir)
    live = LiveKnowledge(kb_dir)
    assert await live.reload_if_changed() is None  # nothing changed since loading
    assert live.matcher.decide(TAUGHT).entry_id != "subsistence-allowance"

    _teach(kb_dir, {"alternates": {"subsistence-allowance": [TAUGHT]}})
    assert await live.reload_if_changed() == len(live.kb.entries)
    assert live.matcher.decide(TAUGHT).entry_id == "subsistence-allowance"
    assert await live.reload_if_changed() is None

    _teach(kb_dir, {"alternates": {"no-such-entry": [TAUGHT]}})
    with pytest.raises(KnowledgeBaseError):
        await live.reload_if_changed()
    assert await live.reload_if_changed() is None  # refused once, not again and again
    assert live.matcher.decide(TAUGHT).entry_id == "subsistence-allowance"  # still running


async def test_a_reload_counts_as_seen(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(default_data_dir(), kb_dir)
    live = LiveKnowledge(kb_dir)
    _teach(kb_dir, {"out_of_scope": ["今天彩票开什么号"]})
    await live.reload()  # e.g. the admin's /reload in this process
    assert await live.reload_if_changed() is None
