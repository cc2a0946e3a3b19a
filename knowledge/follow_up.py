"""Short follow-ups that ask about an aspect without naming the topic: 那要带什么材料,
在哪里办, 要多久, 需要本人去吗, "what documents do I need?".

Alone they match nothing (or everything: every service has materials and an office), but
said right after an answer they are about that answer's topic; the question path
(services/tickets/enquiries.py) reads them against the resident's last answered entry when
the matcher could not answer them by themselves. Only a message made of nothing but aspect
words and small words counts: one that names anything of its own (哪里可以打疫苗, 那低保呢)
is a question in its own right, and a wrong answer is worse than a "did you mean".
"""

from __future__ import annotations

import re

from knowledge.normalize import compact

MAX_CHARS = 16
"""Longer than this (after folding, without punctuation), a message tells something of its
own and is not a bare follow-up."""
MAX_WORDS = 8
"""The same for English."""

# What residents ask about a service they were just told of.
_ASPECTS = (
    "材料", "带什么", "证件", "证明", "在哪", "去哪", "哪里", "哪儿", "地址", "多久",
    "多长时间", "几天", "要钱", "收费", "费用", "多少钱", "免费", "本人", "代办", "电话",
    "几点", "上班", "时间", "条件", "资格", "流程", "手续", "网上", "线上", "预约",
)  # fmt: skip
# The small words around them: what is left after both are taken out is the topic, if any.
_SMALL = (
    "那么", "那", "还有", "另外", "还要", "还需要", "需要", "要", "我们", "我", "去", "来",
    "吗", "呢", "啊", "呀", "吧", "的", "了", "得", "怎么样", "怎么", "什么", "可以",
    "能不能", "不能", "能", "是", "在", "办理", "申请", "办", "带", "多少", "多", "一下",
    "请问", "这个", "那个", "都", "有没有", "有", "还", "就", "应该", "该", "到", "给",
    "找谁", "谁", "几", "个", "号码", "交", "准备", "提供",
)  # fmt: skip
_CHINESE_WORDS = sorted((*_ASPECTS, *_SMALL), key=len, reverse=True)

_ENGLISH_ASPECTS = (
    "documents", "document", "papers", "bring", "where", "how long", "cost", "fee", "fees",
    "free", "phone", "number", "hours", "open", "in person", "online", "appointment",
    "who can", "eligible",
)  # fmt: skip
_ENGLISH_ASPECT = re.compile(r"\b(?:" + "|".join(_ENGLISH_ASPECTS) + r")\b")
_ENGLISH_SMALL = frozenset(
    {
        "what", "which", "do", "does", "did", "i", "we", "you", "it", "is", "are", "the", "a",
        "an", "to", "of", "for", "need", "needs", "should", "must", "can", "could", "how",
        "long", "much", "take", "takes", "go", "there", "then", "and", "so", "about", "get",
        "apply", "ask", "call",
    }
)  # fmt: skip


def follows_up(text: str) -> bool:
    """Whether a message is a short question about an aspect (materials, place, time,
    cost, who may apply) that names no topic of its own."""
    key = compact(text)
    if not key:
        return False
    if re.search("[a-z]", key) and not re.search("[\u4e00-\u9fff]", key):
        return _english_follow_up(text)
    if len(key) > MAX_CHARS or not any(aspect in key for aspect in _ASPECTS):
        return False
    rest = key
    for word in _CHINESE_WORDS:
        rest = rest.replace(word, "")
    return len(rest) <= 1  # one character left (儿, 份) names nothing


def _english_follow_up(text: str) -> bool:
    words = " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())
    if len(words.split()) > MAX_WORDS or not _ENGLISH_ASPECT.search(words):
        return False
    rest = [w for w in _ENGLISH_ASPECT.sub(" ", words).split() if w not in _ENGLISH_SMALL]
    return not rest
