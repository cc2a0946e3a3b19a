"""What the live knowledge base tells operators: its version, when it loaded, refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge import KnowledgeBaseError
from knowledge.loader import default_data_dir
from services.knowledge.live import LiveKnowledge


async def test_a_refused_reload_is_counted_and_the_version_stays(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(default_data_dir(), kb_dir)
    live = LiveKnowledge(kb_dir)
    version, loaded_at = live.version, live.loaded_at
    assert len(version) == 12 and live.load_failures == 0

    broken = sorted(kb_dir.glob("[!_]*.yaml"))[0]
    broken.write_text("entries: [this is: not: valid", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        await live.reload_if_changed()
    with pytest.raises(KnowledgeBaseError):
        await live.reload()
    assert live.load_failures == 2
    assert (live.version, live.loaded_at) == (version, loaded_at)


async def test_an_answer_changed_on_disk_is_shown_after_the_reload(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(default_data_dir(), kb_dir)
    live = LiveKnowledge(kb_dir)
    before = live.entry_view("subsistence-allowance")
    assert before is not None and live.entry_view("subsistence-allowance") is before  # kept

    source = next(p for p in kb_dir.glob("*.yaml") if "id: subsistence-allowance" in p.read_text())
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace(before.title, before.title + "（新）", 1), encoding="utf-8")
    await live.reload()

    after = live.entry_view("subsistence-allowance")
    assert after is not None and after.title == before.title + "（新）"
    assert live.entry_view("no-such-entry") is None
