"""Entry keywords found in a question, by spelling or by sound (pinyin-input typos)."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.index import syllable
from knowledge.normalize import is_cjk

# A keyword heard only through its pinyin (a homophone typo) counts a bit less than one
# spelled right: homophones are common in Chinese and the sound alone is weaker evidence.
_SOUND_FACTOR = 0.7


class KeywordTable:
    """Keyword → the entries listing it; a keyword shared by k entries weighs 1/k."""

    def __init__(self, keywords_per_entry: Sequence[Sequence[str]]) -> None:
        self._by_text: dict[str, list[int]] = {}
        self._by_sound: dict[str, list[int]] = {}
        self._latin: dict[str, list[int]] = {}
        for entry, keywords in enumerate(keywords_per_entry):
            for keyword in set(keywords):
                text = keyword.replace(" ", "")
                if not text:
                    continue
                if keyword.isascii():
                    self._latin.setdefault(f" {keyword} ", []).append(entry)
                    continue
                self._by_text.setdefault(text, []).append(entry)
                if len(text) >= 2 and all(is_cjk(c) for c in text):
                    sound = " ".join(syllable(c) for c in text)
                    self._by_sound.setdefault(sound, []).append(entry)
        lengths = [len(k) for k in self._by_text] or [0]
        self._longest = max(lengths)

    def match(self, chars: str, sounds: Sequence[str], normalized: str) -> dict[int, float]:
        """Weight per entry of its keywords present in the question."""
        found: dict[int, float] = {}
        seen: set[str] = set()
        for start in range(len(chars)):
            for end in range(start + 1, min(len(chars), start + self._longest) + 1):
                self._hit(self._by_text.get(chars[start:end]), chars[start:end], 1.0, found, seen)
                if end - start >= 2:
                    sound = " ".join(sounds[start:end])
                    self._hit(self._by_sound.get(sound), "~" + sound, _SOUND_FACTOR, found, seen)
        padded = f" {normalized} "
        for keyword, entries in self._latin.items():
            if keyword in padded:
                self._hit(entries, keyword, 1.0, found, seen)
        return found

    @staticmethod
    def _hit(
        entries: list[int] | None, key: str, factor: float, found: dict[int, float], seen: set[str]
    ) -> None:
        if not entries or key in seen:
            return
        seen.add(key)
        for entry in entries:
            found[entry] = found.get(entry, 0.0) + factor / len(entries)
