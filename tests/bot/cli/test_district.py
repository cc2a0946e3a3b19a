"""`linli district check`: exit 0 on a good folder, 1 with file:line lines on a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main


def test_the_bundled_sample_checks_ok_and_says_it_is_sample(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINLI_DISTRICT_DIR", raising=False)
    assert main(["district", "check"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("ok: 3 communities, 8 units, 11 categories, 8 routes")
    assert "SAMPLE data" in out.err


def test_a_bad_folder_lists_every_problem_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "district.yaml"
    file.write_text(
        "communities:\n  - {id: east, name: 东园}\nroutes:\n"
        "  - {category: noise, community: west, unit: centre}\n",
        encoding="utf-8",
    )
    assert main(["district", "check", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        f"{file}:4: unknown community 'west' in a route",
        f"{file}:4: unknown unit 'centre' in a route",
    ]
    assert "2 problem(s)" in out.err


def test_linli_district_dir_is_the_default_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "d.yaml").write_text("communities:\n  - {id: east}\n", encoding="utf-8")
    monkeypatch.setenv("LINLI_DISTRICT_DIR", str(tmp_path))
    assert main(["district", "check"]) == 1
    assert f"{tmp_path / 'd.yaml'}:2: missing 'name'" in capsys.readouterr().out
