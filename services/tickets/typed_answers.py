"""Short typed answers to linli's buttons' questions: to the rating question ("was it
solved?": 没解决 / 解决了 / "not solved"), and "none" (没有 / 不用 / "no") to a filing step's
optional photos or phone number.

Residents often type instead of pressing a button. Only short, unambiguous answers
count; anything else is a question like any other. Punctuation, spaces, case, trailing
particles (啊 呢 了 …) and the Traditional forms of the few characters involved are ignored
(a table: every private text passes here, and OpenCC would cost more than all the rest), so
沒解決！, 还没有解决呢 and "Not fixed." are recognised. Longer words that say the problem is
not solved (电梯还是坏的，根本没修好) are a hint only: linli asks before they count.
"""

from __future__ import annotations

import unicodedata

_TRADITIONAL = str.maketrans(
    {
        "沒": "没", "決": "决", "還": "还", "經": "经", "處": "处", "裡": "里", "無": "无",
        "過": "过", "話": "话", "碼": "码", "張": "张", "電": "电", "號": "号",
        "壞": "坏", "來": "来", "響": "响", "變": "变", "樣": "样", "點": "点", "麼": "么",
        "為": "为", "嗎": "吗", "兒": "儿",
    }
)  # fmt: skip
_PARTICLES = "啊呢呀啦了的吧哦喔嘛哈"
_NOT_SOLVED = frozenset(
    {
        "没解决", "没有解决", "还没解决", "还没有解决", "未解决", "没解决好", "没有解决好",
        "还是没解决", "问题没解决", "问题没有解决", "问题还没解决", "没处理好", "没修好",
        "还没修好", "不满意", "不太满意", "不大满意", "很不满意", "非常不满意", "不是很满意",
        "不怎么满意", "notsolved", "notfixed", "notresolved", "stillnotfixed",
        "stillnotsolved", "stillbroken", "unsolved", "unresolved", "nope", "itsnotfixed",
    }
)  # fmt: skip
_SOLVED = frozenset(
    {
        "解决", "已解决", "已经解决", "解决好", "问题解决", "问题已解决", "问题已经解决",
        "修好", "已修好", "处理好", "已处理好", "满意", "很满意", "非常满意", "挺满意",
        "比较满意", "十分满意", "solved", "fixed", "resolved",
        "itsfixed", "itssolved", "allfixed", "yessolved", "yesfixed",
    }
)  # fmt: skip


def short_answer(text: str) -> str | None:
    """A short typed answer reduced to its letters (Simplified, lower case, no punctuation,
    spaces or trailing particles), for matching against a few known answers; None for an
    empty or long text, which is no short answer."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_TRADITIONAL)
    core = "".join(ch for ch in folded if ch.isalnum())
    if not core or len(core) > 20:
        return None
    while len(core) > 2 and core[-1] in _PARTICLES:
        core = core[:-1]
    return core


def rating_answer(text: str) -> bool | None:
    """True for a typed "solved", False for "not solved", None for anything else."""
    core = short_answer(text)
    if core is None:
        return None
    if core in _NOT_SOLVED:
        return False
    if core in _SOLVED:
        return True
    return None


# Said in a resident's own longer words (电梯还是坏的，根本没修好), these mean "not solved"
# only while a rating is awaited, and then linli asks before counting it (a hint, not an
# answer: 我的低保还没解决怎么办 is a question about something else).
_UNSOLVED_WORDS = (
    "没解决", "没有解决", "未解决", "没修好", "没有修好", "还没修", "没有修", "没人修",
    "没处理", "没有处理", "还是坏", "又坏了", "没人来", "没有人来", "还是不行", "还是老样子",
    "一点没变", "跟原来一样", "根本没", "还在响", "还在吵", "not fixed", "not solved",
    "not resolved", "still broken", "still not", "nobody came", "no one came",
)  # fmt: skip
_QUESTION_MARKS = ("?", "？", "吗", "怎么", "如何", "哪里", "哪儿", "什么", "为什么", "能不能")
HINT_MAX = 200
"""Longer than this, a text is a story of its own, not an answer to "was it solved?"."""


def sounds_unsolved(text: str) -> bool:
    """Whether a resident's longer words say the problem is not solved (not a short answer:
    see rating_answer)."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_TRADITIONAL)
    if rating_answer(text) is not None or len(folded) > HINT_MAX:
        return False
    return any(words in folded for words in _UNSOLVED_WORDS)


def sounds_like_a_question(text: str) -> bool:
    """Whether the words also ask something (then the question path answers them too)."""
    folded = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    return any(mark in folded for mark in _QUESTION_MARKS)


_NONE = frozenset(
    {
        "没有", "没", "无", "不用", "不需要", "不要", "跳过", "没照片", "没有照片", "无照片",
        "不拍", "没拍", "不发", "不留", "不想留", "没电话", "没有电话", "不留电话", "算了",
        "no", "none", "nothing", "skip", "nophoto", "nophotos", "nophone",
    }
)  # fmt: skip


def says_none(text: str) -> bool:
    """Whether a typed answer to "any photos?" or "a phone number?" means none (没有, 不用,
    跳过, "no"), as the step's skip button does."""
    core = short_answer(text)
    return core is not None and core in _NONE
