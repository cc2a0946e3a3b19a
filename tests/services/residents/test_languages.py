"""Which language a person is answered in: pure rules."""

from __future__ import annotations

import pytest

from services.residents.languages import language_from_client, reply_language, says_script


@pytest.mark.parametrize(
    ("preferred", "text", "expected"),
    [
        ("zh-Hans", "請問低保怎麼申請", "zh-Hant"),
        ("zh-Hans", "低保怎么申请", "zh-Hans"),
        ("en", "低保怎么申请", "zh-Hans"),
        ("en", "how do I apply", "en"),
        ("zh-Hant", "低保", "zh-Hant"),
        ("zh-Hans", "", "zh-Hans"),
    ],
)
def test_reply_language(preferred: str, text: str, expected: str) -> None:
    assert reply_language(preferred, text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("請問低保怎麼申請", True),
        ("hello", True),
        ("/cancel", False),
        ("/ticket 2611-0042", False),
        ("/unsubscribe 社區活動", True),
        ("13812345678", False),
        ("😡😡", False),
        ("  ", False),
        ("a", False),
    ],
)
def test_only_words_say_which_script(text: str, says: bool) -> None:
    assert says_script(text) is says


def test_client_language_codes() -> None:
    assert language_from_client("zh-hk", "zh-Hans") == "zh-Hant"
    assert language_from_client("en-US", "zh-Hans") == "en"
    assert language_from_client("fr", "zh-Hans") == "zh-Hans"
