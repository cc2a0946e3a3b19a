"""Short follow-ups that ask about an aspect without naming the topic: 那要带什么材料,
在哪里办, 要多久, 需要本人去吗, "what documents do I need?".

Alone they match nothing (or everything: every service has materials and an office), but
said right after an answer they are about that answer's topic; the question path
(services/tickets/enquiries.py) reads them against the resident's last answered entry when
the matcher could not answer them by themselves. A message naming its topic (那低保呢,
低保要带什么材料) is answered by the matcher and never reaches this.
"""

from __future__ import annotations

import re

from knowledge.normalize import compact

MAX_CHARS = 16
"""Longer than this (after folding, without punctuation), a message tells something of its
own and is not a bare follow-up."""

# What residents ask about a service they were just told of.
_ASPECTS = (
    "材料", "带什么", "要带", "证件", "证明", "在哪", "去哪", "哪里", "哪儿", "地址", "多久",
    "多长时间", "几天", "要钱", "收费", "费用", "多少钱", "免费", "本人", "代办", "电话",
    "几点", "上班", "时间", "条件", "资格", "流程", "手续", "怎么办", "怎么申请", "网上",
    "线上", "预约",
)  # fmt: skip
_CHINESE = re.compile("|".join(_ASPECTS))
_ENGLISH = re.compile(
    r"\b(?:documents?|papers|bring|where|how long|cost|fee|fees|free|phone|number|hours"
    r"|open|in person|online|appointment|who can|eligible)\b"
)
MAX_WORDS = 8


def follows_up(text: str) -> bool:
    """Whether a message is a short question about an aspect (materials, place, time,
    cost, who may apply) that names no topic of its own."""
    key = compact(text)
    if not key:
        return False
    if re.search("[a-z]", key) and not re.search("[\u4e00-\u9fff]", key):
        words = re.sub(r"[\W_]+", " ", text.lower()).split()
        return len(words) <= MAX_WORDS and bool(_ENGLISH.search(" ".join(words)))
    return len(key) <= MAX_CHARS and bool(_CHINESE.search(key))
