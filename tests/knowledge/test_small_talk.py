"""A message that is only a greeting, thanks, an "OK" or a goodbye is small talk; a question
that begins with one is a question."""

from __future__ import annotations

import pytest

from knowledge.small_talk import SmallTalk, Talk, small_talk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", SmallTalk(Talk.GREETING, "zh")),
        ("您好！", SmallTalk(Talk.GREETING, "zh")),
        ("在吗？", SmallTalk(Talk.GREETING, "zh")),
        ("Hello!", SmallTalk(Talk.GREETING, "en")),
        ("谢谢！", SmallTalk(Talk.THANKS, "zh")),
        ("謝謝🙏", SmallTalk(Talk.THANKS, "zh")),  # Traditional, with an emoji
        ("好的，谢谢", SmallTalk(Talk.THANKS, "zh")),
        ("Thank you!", SmallTalk(Talk.THANKS, "en")),
        ("ＯＫ", SmallTalk(Talk.ACK, "en")),  # full width
        ("嗯嗯", SmallTalk(Talk.ACK, "zh")),
        ("再見", SmallTalk(Talk.BYE, "zh")),
    ],
)
def test_small_talk_is_recognised_in_any_script_and_width(text: str, expected: SmallTalk) -> None:
    assert small_talk(text) == expected


@pytest.mark.parametrize(
    "text",
    ["你好，低保怎么申请", "谢谢，请问居住证怎么办", "hello how do I apply for dibao", "低保", ""],
)
def test_a_question_with_a_greeting_is_a_question(text: str) -> None:
    assert small_talk(text) is None
