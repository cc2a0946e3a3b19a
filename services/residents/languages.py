"""Which language a person is answered in."""

from __future__ import annotations

import re
from typing import Final

from knowledge.script import is_traditional

LANGUAGES: Final = ("zh-Hans", "zh-Hant", "en")
_CJK = re.compile(r"[\u3400-\u9fff]")


def language_from_client(language_code: str | None, default: str) -> str:
    """Map Telegram's ``language_code`` (IETF tag of the client) to a linli language."""
    code = (language_code or "").lower()
    if code.startswith("en"):
        return "en"
    if code in {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}:
        return "zh-Hant"
    if code.startswith("zh"):
        return "zh-Hans"
    return default


_WORD = re.compile(r"[A-Za-z]{2,}")


def says_script(text: str) -> bool:
    """Whether typed ``text`` shows which language its writer uses: Chinese characters or a
    Latin word do (in a command, only its arguments count); a number or an emoji does not."""
    typed = text.strip()
    if typed.startswith("/"):
        typed = typed.partition(" ")[2]
    return bool(_CJK.search(typed) or _WORD.search(typed))


def reply_language(preferred: str, text: str) -> str:
    """The language for the reply to ``text``.

    A resident who writes Traditional Chinese is answered in Traditional, and one who writes
    Chinese while their setting is English gets Chinese: people expect an answer in the script
    they just used. Otherwise their setting holds.
    """
    if is_traditional(text):
        return "zh-Hant"
    if preferred == "en" and _CJK.search(text):
        return "zh-Hans"
    return preferred
