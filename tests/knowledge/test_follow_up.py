"""Short follow-ups about an aspect (materials, place, time, cost) that name no topic."""

from __future__ import annotations

import pytest

from knowledge.follow_up import follows_up


@pytest.mark.parametrize(
    "text",
    [
        "那要带什么材料", "要带什么材料？", "在哪里办", "那要多久", "需要本人去吗", "收费吗",
        "那去哪儿办呢", "網上能辦嗎", "What documents do I need?", "Where do I go?",
        "How long does it take?",
    ],
)  # fmt: skip
def test_a_short_question_about_an_aspect_follows_up(text: str) -> None:
    assert follows_up(text)


@pytest.mark.parametrize(
    "text",
    [
        "", "你好", "楼道灯坏了", "我想问个事", "垃圾分类",
        "我家楼下那个小饭馆天天晚上在门口摆摊，油烟大得很，要带什么材料去投诉",
        "My neighbour's dog barks all night and nobody does anything about it, where to go",
        "thanks", "哪里可以打疫苗", "低保要带什么材料", "Where can I get a flu vaccine?",
    ],
)  # fmt: skip
def test_anything_else_does_not(text: str) -> None:
    assert not follows_up(text)
