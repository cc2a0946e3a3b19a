"""Messages that are not questions: a greeting, thanks, an "OK", a goodbye.

Residents write 你好 before they ask and 谢谢 after an answer. Matched against the knowledge
base, 谢谢 got "could you say a little more?" and "hello" got "I can't answer that": replies
that sound as if linli had not understood. Only a message that is nothing but such a phrase
counts (你好，低保怎么申请 is a question), compared after folding width, script and case and
dropping punctuation, spaces and emoji.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from knowledge.normalize import compact


class Talk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    ACK = "ack"
    BYE = "bye"


@dataclass(frozen=True, slots=True)
class SmallTalk:
    """What kind of phrase it was, and the language it was written in ("zh" or "en")."""

    talk: Talk
    language: str


# Space-separated phrases, written as they are compared (no spaces or punctuation).
_PHRASES: dict[Talk, str] = {
    Talk.GREETING: (
        "你好 您好 你好啊 你好呀 您好啊 大家好 在吗 在不在 在嘛 有人吗 嗨 哈喽 早 早上好 "
        "上午好 中午好 下午好 晚上好 hi hello hey hiya goodmorning goodafternoon goodevening"
    ),
    Talk.THANKS: (
        "谢谢 谢谢你 谢谢您 谢谢啦 谢谢了 谢啦 多谢 多谢了 感谢 非常感谢 十分感谢 太感谢了 "
        "感谢感谢 谢谢谢谢 好的谢谢 好的谢谢你 好的谢谢您 好谢谢 嗯谢谢 辛苦了 辛苦你了 "
        "谢谢你们 感谢你们 谢谢帮忙 谢谢你的帮助 谢谢你们的帮助 "
        "thanks thankyou thanksalot thankyouverymuch thx ty okthanks okthankyou"
    ),
    Talk.ACK: "好 好的 好滴 好嘞 行 嗯 嗯嗯 哦 哦哦 知道了 明白了 收到 了解 ok okay 好的知道了",
    Talk.BYE: "再见 拜拜 拜 回见 bye byebye goodbye seeyou",
}
_TABLE = {phrase: talk for talk, phrases in _PHRASES.items() for phrase in phrases.split()}


def small_talk(text: str) -> SmallTalk | None:
    """The kind of small talk ``text`` is, or None when it is anything more than that."""
    key = compact(text)
    talk = _TABLE.get(key)
    if talk is None:
        return None
    return SmallTalk(talk, "en" if key.isascii() else "zh")
