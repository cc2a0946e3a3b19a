"""A tiny knowledge base, built in code, for matcher tests that must not depend on content."""

from __future__ import annotations

import pytest

from knowledge import Category, Entry, KnowledgeBase, Matcher, MatcherConfig


def _entry(entry_id: str, title: str, keywords: list[str], questions: list[str]) -> Entry:
    return Entry(
        id=entry_id,
        category="demo",
        title=title,
        title_en=entry_id,
        answer=f"{title}的办理说明。",
        answer_en=f"How {entry_id} works.",
        questions=tuple(questions),
        keywords=tuple(keywords),
    )


TINY_ENTRIES = (
    _entry(
        "subsistence-allowance",
        "最低生活保障（低保）",
        ["低保", "最低生活保障", "低保金"],
        [
            "低保怎么申请",
            "申请低保要带什么材料",
            "我一个人没收入，社区能给点补助不",
            "低保 材料",
            "家里困难能不能吃低保",
            "How do I apply for dibao?",
        ],
    ),
    _entry(
        "low-rent-housing",
        "廉租房申请",
        ["廉租房", "公租房"],
        [
            "廉租房怎么申请",
            "家里没房子住，能申请廉租房吗",
            "公租房 排队",
            "租不起房子，政府有没有便宜的房子",
            "How do I apply for public rental housing?",
        ],
    ),
    _entry(
        "noise-nuisance",
        "噪音扰民",
        ["噪音", "扰民", "广场舞"],
        [
            "楼上装修噪音太大",
            "广场舞音乐太吵了谁管",
            "半夜施工吵得睡不着",
            "噪音 投诉",
            "The square dancing music is too loud",
        ],
    ),
)

TINY_LEXICON = {"底保": "低保", "连租房": "廉租房", "社宝": "社保"}
TINY_FILLERS = ("请问", "我想问一下", "呢", "吗", "啊")
TINY_OUT_OF_SCOPE = ("今天天气怎么样", "明天会下雨吗", "股票怎么买", "讲个笑话")

# Fixed thresholds, so these tests do not move when matcher.yaml is re-calibrated.
TINY_CONFIG = MatcherConfig(answer_threshold=0.5, suggest_threshold=0.3, margin=0.1)


@pytest.fixture(scope="session")
def tiny_kb() -> KnowledgeBase:
    return KnowledgeBase(
        categories=(Category("demo", "示例", "Demo"),),
        entries=TINY_ENTRIES,
        synonyms=dict(TINY_LEXICON),
        stopwords=TINY_FILLERS,
        out_of_scope=TINY_OUT_OF_SCOPE,
    )


@pytest.fixture(scope="session")
def tiny_matcher(tiny_kb: KnowledgeBase) -> Matcher:
    return Matcher(tiny_kb, TINY_CONFIG)
