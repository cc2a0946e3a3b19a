"""Every process checks the knowledge-base files every few seconds."""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from telegram.ext import ApplicationBuilder

from bot.knowledge_follow import reload_if_changed
from bot.scheduler import KB_FOLLOW_EVERY_S, register_process_jobs
from knowledge import default_data_dir
from services.knowledge.live import LiveKnowledge


def test_the_check_runs_every_few_seconds() -> None:
    application = ApplicationBuilder().token("123:TEST").build()
    register_process_jobs(application)
    assert application.job_queue is not None
    jobs = {job.name: job.job.trigger.interval for job in application.job_queue.jobs()}
    assert jobs == {
        "knowledge.follow": timedelta(seconds=KB_FOLLOW_EVERY_S),
        "district.follow": timedelta(seconds=KB_FOLLOW_EVERY_S),
    }


async def test_a_broken_version_is_logged_and_the_running_one_stays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(default_data_dir(), kb_dir)
    live = LiveKnowledge(kb_dir)
    context = SimpleNamespace(services=SimpleNamespace(knowledge=live))
    (kb_dir / "_learned.yaml").write_text("alternates: {gone-entry: [问]}\n", "utf-8")

    with caplog.at_level(logging.ERROR, logger="linli.knowledge"):
        assert await reload_if_changed(context) is None  # type: ignore[arg-type]
    assert "have 1 problem(s)" in caplog.text and "gone-entry" in caplog.text
    assert len(live.kb.entries) == 41
