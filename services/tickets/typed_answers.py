"""Short typed answers to linli's buttons' questions: to the rating question ("was it
solved?": 没解决 / 解决了 / "not solved"), and "none" (没有 / 不用 / "no") to a filing step's
optional photos or phone number.

Residents often type instead of pressing a button. Only short, unambiguous answers
count; anything else is a question like any other. Punctuation, spaces, case, trailing
particles (啊 呢 了 …) and the Traditional forms of the few characters involved are
ignored, so 沒解決！, 还没有解决呢 and "Not fixed." are recognised.
"""

from __future__ import annotations

import unicodedata

_TRADITIONAL = str.maketrans(
    {
        "沒": "没", "決": "决", "還": "还", "經": "经", "處": "处", "裡": "里", "無": "无",
        "過": "过", "話": "话", "碼": "码", "張": "张", "電": "电", "號": "号",
    }
)  # fmt: skip
_PARTICLES = "啊呢呀啦了的吧哦喔嘛哈"
_NOT_SOLVED = frozenset(
    {
        "没解决", "没有解决", "还没解决", "还没有解决", "未解决", "没解决好", "没有解决好",
        "还是没解决", "问题没解决", "问题没有解决", "问题还没解决", "没处理好", "没修好",
        "还没修好", "不满意", "notsolved", "notfixed", "notresolved", "stillnotfixed",
        "stillnotsolved", "stillbroken", "unsolved", "unresolved", "nope", "itsnotfixed",
    }
)  # fmt: skip
_SOLVED = frozenset(
    {
        "解决", "已解决", "已经解决", "解决好", "问题解决", "问题已解决", "问题已经解决",
        "修好", "已修好", "处理好", "已处理好", "满意", "solved", "fixed", "resolved",
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
