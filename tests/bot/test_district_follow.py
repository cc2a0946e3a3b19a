"""Every process follows the district's folder: a change goes live, a broken one is logged
once and the running configuration stays."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.district_follow import reload_district_if_changed
from services.district import sample_dir
from services.district.live import LiveDistrict


async def test_a_change_goes_live_and_a_broken_one_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "district"
    shutil.copytree(sample_dir(), folder)
    live = LiveDistrict(folder)
    context: object = SimpleNamespace(services=SimpleNamespace(district=live))
    assert not await reload_district_if_changed(context)  # type: ignore[arg-type]

    communities = folder / "communities.yaml"
    text = communities.read_text(encoding="utf-8")
    communities.write_text(text.replace("示例社区C", "示例社区丙"), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="linli.district"):
        assert await reload_district_if_changed(context)  # type: ignore[arg-type]
    assert "district configuration reloaded" in caplog.text
    assert live.district.community("sample-c").name == "示例社区丙"  # type: ignore[union-attr]

    caplog.clear()
    (folder / "routes.yaml").write_text("routes:\n  - {category: noise, community: x, unit: y}\n")
    with caplog.at_level(logging.ERROR, logger="linli.district"):
        assert not await reload_district_if_changed(context)  # type: ignore[arg-type]
        assert not await reload_district_if_changed(context)  # type: ignore[arg-type]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "unknown community 'x' in a route" in errors[0].getMessage()
    assert live.district.community("sample-c").name == "示例社区丙"  # type: ignore[union-attr]
