"""Message catalogs: every string a person sees comes from handlers/catalogs/*.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.script import to_traditional

_CATALOG_DIR = Path(__file__).parent / "catalogs"


@lru_cache(maxsize=4)
def _catalog(name: str) -> dict[str, str]:
    """All strings of one language: ``<name>.yaml`` plus ``<name>.<area>.yaml`` files.

    Areas (tickets, staff, notices…) keep each file small; a key defined twice is an error,
    so one area cannot silently override another.
    """
    merged: dict[str, str] = {}
    for path in sorted(_CATALOG_DIR.glob(f"{name}*.yaml")):
        if path.stem != name and not path.stem.startswith(f"{name}."):
            continue  # zh-Hans must not pick up zh-Hant-something
        with path.open(encoding="utf-8") as fh:
            data: dict[str, str] = yaml.safe_load(fh) or {}
        clash = merged.keys() & data.keys()
        if clash:
            raise ValueError(f"{path.name} defines keys already defined: {sorted(clash)}")
        merged.update(data)
    return merged


def has_key(key: str) -> bool:
    """Whether the catalogs define ``key`` (the delivery worker checks before rendering)."""
    return key in _catalog("zh-Hans")


def t(language: str, key: str, **params: Any) -> str:
    """The string ``key`` in ``language`` (zh-Hans, zh-Hant or en) with ``params`` filled in.

    Traditional Chinese is OpenCC's conversion of the Simplified string, done after the
    parameters are filled so that names and answers are converted too.
    """
    source = "en" if language == "en" else "zh-Hans"
    template = _catalog(source).get(key) or _catalog("zh-Hans")[key]
    text = template.format(**params)  # a missing parameter is a KeyError, never a raw "{x}"
    return to_traditional(text) if language == "zh-Hant" else text


def localize(language: str, simplified: str, english: str) -> str:
    """Pick a piece of content (a knowledge-base answer or title) for ``language``."""
    if language == "en" and english:
        return english
    return to_traditional(simplified) if language == "zh-Hant" else simplified
