"""Message catalogs: every string exists in both languages with the same parameters."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml

from handlers.i18n import t
from handlers.text import split_message

CATALOGS = Path(__file__).parents[2] / "handlers" / "catalogs"


def load(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(CATALOGS.glob(f"{language}*.yaml")):
        if path.stem == language or path.stem.startswith(f"{language}."):
            merged.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return merged


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys_and_parameters() -> None:
    zh, en = load("zh-Hans"), load("en")
    assert set(zh) - set(en) == set()
    assert set(en) - set(zh) == set()
    mismatched = {k for k in zh if fields(zh[k]) != fields(en[k])}
    assert mismatched == set()


def test_traditional_is_converted_from_simplified() -> None:
    assert t("zh-Hant", "menu.title") == "請選擇服務類別："
    assert t("zh-Hans", "menu.title") == "请选择服务类别："


def test_a_missing_parameter_fails_loudly() -> None:
    with pytest.raises(KeyError):
        t("zh-Hans", "menu.category")


@pytest.mark.parametrize(
    ("text", "limit"),
    [("短", 10), ("一二三四五。六七八九十。" * 50, 40), ("a b " * 3000, 4096), ("字" * 9000, 4096)],
)
def test_split_message_keeps_every_character_within_the_limit(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join(parts).replace(" ", "") == text.strip().replace(" ", "")


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant", "en"])
def test_every_flow_that_can_be_set_aside_says_so(language: str) -> None:
    # Starting a flow over another tells the person what became of the first: every kind of
    # what is owed needs those words, or the router fails on a KeyError at that moment.
    from services.residents.awaiting import Owed

    for kind in Owed:
        assert t(language, f"awaiting.replaced.{kind.value}").strip()
