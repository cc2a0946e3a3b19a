"""Entry keywords found in a question, by spelling or by sound (pinyin-input typos)."""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import blake2b

from knowledge.normalize import is_cjk
from knowledge.pinyin import syllable

# A keyword heard only through its pinyin (a homophone typo) counts a bit less than one
# spelled right: homophones are common in Chinese and the sound alone is weaker evidence.
_SOUND_FACTOR = 0.7

# Keyword → entries, keyed by the keyword's hash: at 50,000 entries the keyword strings
# themselves would cost more than the table. A single entry is stored as a bare int.
_Table = dict[int, int | tuple[int, ...]]


def _hash(text: str) -> int:
    """A stable 64-bit hash (Python's own str hash changes between processes, and the table
    is kept on disk for large knowledge bases: knowledge.index_cache)."""
    return int.from_bytes(blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _add(table: _Table, key: str, entry: int) -> None:
    h = _hash(key)
    found = table.get(h)
    if found is None:
        table[h] = entry
    elif isinstance(found, int):
        table[h] = (found, entry) if found != entry else found
    elif entry not in found:
        table[h] = (*found, entry)


class _Starts:
    """A bit per hashed keyword start (a one-hash Bloom filter): 512 KB whatever the size,
    where a set of 100,000 hashes would cost several megabytes. A false "maybe" only costs
    the lookups the filter would have saved."""

    _BITS = 1 << 22

    def __init__(self) -> None:
        self._bits = bytearray(self._BITS // 8)

    def add(self, text: str) -> None:
        h = _hash(text) & (self._BITS - 1)
        self._bits[h >> 3] |= 1 << (h & 7)

    def __contains__(self, text: str) -> bool:
        h = _hash(text) & (self._BITS - 1)
        return bool(self._bits[h >> 3] & (1 << (h & 7)))


class KeywordTable:
    """Keyword → the entries listing it; a keyword shared by k entries weighs 1/k."""

    def __init__(self, keywords_per_entry: Sequence[Sequence[str]]) -> None:
        self._by_text: _Table = {}
        self._by_sound: _Table = {}
        self._latin: dict[str, list[int]] = {}
        # The first two characters (and syllables) of every keyword: a question position
        # that starts none of them is skipped without trying every length.
        self._text_starts = _Starts()
        self._sound_starts = _Starts()
        self._singles: set[str] = set()
        longest = 0
        for entry, keywords in enumerate(keywords_per_entry):
            for keyword in set(keywords):
                text = keyword.replace(" ", "")
                if not text:
                    continue
                if keyword.isascii():
                    self._latin.setdefault(f" {keyword} ", []).append(entry)
                    continue
                longest = max(longest, len(text))
                _add(self._by_text, text, entry)
                if len(text) == 1:
                    self._singles.add(text)
                    continue
                self._text_starts.add(text[:2])
                if all(is_cjk(c) for c in text):
                    sounds = [syllable(c) for c in text]
                    _add(self._by_sound, "~" + " ".join(sounds), entry)
                    self._sound_starts.add("~" + " ".join(sounds[:2]))
        self._longest = longest

    def match(self, chars: str, sounds: Sequence[str], normalized: str) -> dict[int, float]:
        """Weight per entry of its keywords present in the question.

        ``sounds`` holds the syllable of each character of ``chars`` (the character itself
        when it has none).
        """
        found: dict[int, float] = {}
        seen: set[str] = set()
        stop = len(chars)
        for start in range(stop):
            if chars[start] in self._singles:
                self._hit(self._by_text.get(_hash(chars[start])), chars[start], 1.0, found, seen)
            last = min(stop, start + self._longest) + 1
            if chars[start : start + 2] in self._text_starts:
                for end in range(start + 2, last):
                    text = chars[start:end]
                    self._hit(self._by_text.get(_hash(text)), text, 1.0, found, seen)
            if "~" + " ".join(sounds[start : start + 2]) in self._sound_starts:
                for end in range(start + 2, last):
                    sound = "~" + " ".join(sounds[start:end])
                    self._hit(self._by_sound.get(_hash(sound)), sound, _SOUND_FACTOR, found, seen)
        padded = f" {normalized} "
        for keyword, entries in self._latin.items():
            if keyword in padded:
                self._hit(tuple(entries), keyword, 1.0, found, seen)
        return found

    @staticmethod
    def _hit(
        entries: int | tuple[int, ...] | None,
        key: str,
        factor: float,
        found: dict[int, float],
        seen: set[str],
    ) -> None:
        if entries is None or key in seen:
            return
        seen.add(key)
        if isinstance(entries, int):
            entries = (entries,)
        for entry in entries:
            found[entry] = found.get(entry, 0.0) + factor / len(entries)
