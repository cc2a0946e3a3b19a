"""Messages asking for a person: 转人工, 人工客服, 你们电话多少, "talk to a human".

Matched against the knowledge base they got unrelated articles, and a resident who asks for a
person has already decided that an article is not what they want. Like small talk, only a
message that is nothing but such a request counts (compared after folding, without
punctuation): 居委会电话多少 or 低保找谁办 are questions the knowledge base answers.
"""

from __future__ import annotations

import re

from knowledge.normalize import compact

_PERSON = "(?:人工客服|人工服务|人工|真人客服|真人|活人|客服|工作人员|你们的人|负责人)"
_WANT = "(?:我)?(?:要|想|想要|需要|能不能|可不可以|可以)?"
# The whole message, folded and without punctuation, is one of these (with a polite opening
# and a closing particle or two).
_CHINESE = re.compile(
    "(?:请问|你好|您好|麻烦|请)?(?:"
    # 转人工, 我要找真人说话, 能不能让工作人员跟我聊
    f"{_WANT}(?:转|转接|找|联系|接通|让|跟|和)?{_PERSON}(?:来)?"
    "(?:说话|说|聊聊|聊天|聊|沟通|服务|回答|回复|处理|帮我|跟我聊|跟我说)?"
    # 我要找人, 想找个人问问: said alone, a person to talk to (a lost relative comes with
    # more words, 我要找人，老人走丢了, and goes to the knowledge base)
    f"|{_WANT}找(?:个)?人(?:说话|说说|聊聊|问问|问一下|问下)?"
    # 怎么联系你们, 怎样才能找到工作人员
    f"|{_WANT}(?:怎么|如何|怎样|去哪|在哪)(?:才能)?(?:联系|联络|找到?|打电话给)(?:你们|{_PERSON})"
    # 你们电话多少, 你们的联系方式是什么
    "|你们(?:的)?(?:电话|联系电话|联系方式|热线|客服电话)(?:号码)?(?:是)?"
    "(?:多少|是什么|是啥|有吗)?"
    ")(?:吗|呢|啊|呀|吧|了|好吗|可以吗|行吗|一下)*"
)
_STAFF = (
    "(?:a |an |the )?(?:human|real person|staff|staff member|agent|live agent|operator"
    "|customer service|customer support)"
)
_WISH = "(?:please )?(?:i (?:want|need|would like|d like) (?:to )?|can i |let me |could i )?"
_ENGLISH = re.compile(
    # talk to a human, I want a real person, customer service please
    f"{_WISH}(?:(?:talk|speak|chat) (?:to|with) )?{_STAFF}(?: please)?"
    f"|{_WISH}(?:talk|speak|chat) (?:to|with) (?:a person|someone|somebody)(?: please)?"
    # how do I contact you, what's your phone number
    "|how (?:do|can) i (?:contact|reach|call) (?:you|someone|a person|staff|the (?:centre|center))"
    "|(?:what is|whats) your (?:phone|phone number|number|contact|contact details)"
)


def asks_for_person(text: str) -> str | None:
    """The language ("zh" or "en") of a message that only asks for a person, else None."""
    key = compact(text)
    if _CHINESE.fullmatch(key):
        return "zh"
    words = " ".join(re.sub(r"[\W_]+", " ", text.lower().replace("'", "")).split())
    return "en" if _ENGLISH.fullmatch(words) else None
