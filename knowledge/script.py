"""Simplified/Traditional Chinese conversion (OpenCC), shared by matching and rendering.

Simplified Chinese is linli's canonical script: the knowledge base and message catalogs are
written in it, and a Traditional-Chinese reader gets an OpenCC conversion, never a hand-kept
copy.
"""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified (other text passes through)."""
    return str(_t2s().convert(text))


def to_traditional(text: str) -> str:
    """Convert Simplified characters to Traditional (other text passes through)."""
    return str(_s2t().convert(text))


def is_traditional(text: str) -> bool:
    """True when the text contains characters that only Traditional Chinese uses."""
    return to_simplified(text) != text
