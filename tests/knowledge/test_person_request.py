"""A message that only asks for a person is recognised; a question naming whom it is about
(居委会电话多少) is left to the knowledge base."""

from __future__ import annotations

import pytest

from knowledge.person_request import asks_for_person


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("转人工", "zh"),
        ("轉人工！", "zh"),
        ("人工客服", "zh"),
        ("我要找真人说话", "zh"),
        ("找工作人员", "zh"),
        ("我要找人", "zh"),
        ("想找个人问问", "zh"),
        ("找人！", "zh"),
        ("你们电话多少？", "zh"),
        ("你們的聯繫方式是什麼", "zh"),
        ("请问怎么联系你们", "zh"),
        ("talk to a human", "en"),
        ("Customer service!", "en"),
        ("I want to speak to a real person", "en"),
        ("How do I contact you?", "en"),
        ("What's your phone number?", "en"),
    ],
)
def test_asking_for_a_person_is_recognised(text: str, language: str) -> None:
    assert asks_for_person(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "居委会电话多少",
        "社区民警电话",
        "低保找谁办",
        "我要找人，我家老人走丢了",
        "找人帮忙搬家",
        "你是机器人还是真人",
        "单位想和困难家庭结对帮扶，怎么联系社区？",
        "对社区工作人员的态度很不满，想反映",
        "someone",
        "Our company wants to sponsor families. Who do we contact?",
    ],
)
def test_questions_about_someone_are_not_a_request_for_a_person(text: str) -> None:
    assert asks_for_person(text) is None
