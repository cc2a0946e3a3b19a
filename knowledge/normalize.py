"""Text normalisation shared by the index (at build time) and the matcher (per question).

Residents type Traditional characters, full-width letters, pinyin-input homophone typos and
polite filler ("请问…呢"). Everything that should not change the meaning is folded away here,
once, so that the index and the scorer only ever see one canonical spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from knowledge.script import to_simplified

# CJK Unified Ideographs (basic block + extension A): what counts as a Chinese character.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RE = re.compile(f"[{_CJK}]")
# Anything that is neither a Chinese character, a latin letter nor a digit separates words.
_SEPARATORS = re.compile(f"[^{_CJK}a-z0-9]+")
_SPACES = re.compile(r"\s+")
_DROPPED = re.compile(r"[\W_]+")
_MEANINGFUL = re.compile(f"[{_CJK}a-z0-9]")


def is_cjk(char: str) -> bool:
    """True for a Chinese character."""
    return bool(_CJK_RE.fullmatch(char))


def fold(text: str) -> str:
    """Width, script and case folding without the lexicon: NFKC, Simplified, lower case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def compact(text: str) -> str:
    """The folded text without punctuation, spaces or emoji (谢谢！🙏 is 谢谢): how short
    phrases are compared, whatever the resident put around them."""
    return _DROPPED.sub("", fold(text))


def _alternation(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of the words, longest first (so 我想问一下 beats 我想问)."""
    parts = []
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        escaped = re.escape(word)
        # Latin spellings (juweihui, wuye) only match as whole words, never inside another word.
        if word.isascii():
            escaped = f"(?<![a-z]){escaped}(?![a-z])"
        parts.append(escaped)
    return re.compile("|".join(parts)) if parts else None


class Normalizer:
    """Folds a question into the canonical form the index was built from.

    ``synonyms`` maps variants and typos to the canonical word (底保→低保); it is applied once,
    before filler words are dropped, so that a multi-word variant such as 看病报销那个卡 is
    recognised before its filler (那个) disappears.
    """

    def __init__(self, synonyms: Mapping[str, str], fillers: Iterable[str]) -> None:
        folded = {self._clean(k): self._clean(v) for k, v in synonyms.items()}
        # Canonical words map to themselves so that, longest first, 居委会 is kept whole
        # instead of its prefix 居委 (a variant) being expanded into 居委会会.
        self._synonyms = {v: v for v in folded.values() if v}
        self._synonyms.update({k: v for k, v in folded.items() if k})
        self._synonym_re = _alternation(self._synonyms)
        self._filler_re = _alternation(w for w in (self._clean(f) for f in fillers) if w)

    @staticmethod
    def _clean(text: str) -> str:
        return _SPACES.sub(" ", _SEPARATORS.sub(" ", fold(text))).strip()

    def normalize(self, text: str) -> str:
        """The canonical form: folded, punctuation to spaces, synonyms applied, fillers gone."""
        clean = self._clean(text)
        if self._synonym_re is not None:
            clean = self._synonym_re.sub(lambda m: self._synonyms[m.group(0)], clean)
        if self._filler_re is not None:
            clean = self._filler_re.sub(" ", clean)
        return _SPACES.sub(" ", clean).strip()


# English words that are not also pinyin syllables (he, can, men are): one of them, or four
# Latin words, tells English from pinyin typed without tones (dibao, juweihui zai na).
_ENGLISH_WORDS = (
    "the how what where when why who which is are was do does did my your our i i'm to for of "
    "and with from can't cannot could would should will help please want need get apply "
    "about any there this that"
)
_ENGLISH = frozenset(_ENGLISH_WORDS.split())


def language_of(text: str) -> str:
    """ "en" for a message written in English (no Chinese characters; an English function
    word or four Latin words), else "zh"."""
    folded = fold(text)
    if _CJK_RE.search(folded):
        return "zh"
    words = re.findall(r"[a-z']+", folded)
    if any(w in _ENGLISH for w in words) or sum(len(w) >= 2 for w in words) >= 4:
        return "en"
    return "zh"


def meaningful_length(normalized: str) -> int:
    """How many Chinese characters, letters and digits the text holds."""
    return len(_MEANINGFUL.findall(normalized))


def cjk_runs(normalized: str) -> list[str]:
    """The maximal runs of Chinese characters, in order."""
    return re.findall(f"[{_CJK}]+", normalized)


def latin_words(normalized: str) -> list[str]:
    """The latin-letter/digit words, in order."""
    return re.findall(r"[a-z0-9]+", normalized)
