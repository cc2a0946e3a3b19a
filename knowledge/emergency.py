"""Messages that are emergencies: a fire, someone collapsed, a gas smell, violence, a person
who does not want to live.

Matched against the knowledge base, 着火了 got the temporary-relief article and 不想活了 the
minimum living allowance: an answer that wastes the minutes that count. An emergency is
recognised before any matching and answered with what to do now (the national emergency
numbers), whatever a kept decision for the same words says.

Patterns are compared with the folded text (width, script and case: 煤氣味 is 煤气味), the
Chinese ones without punctuation or spaces, the English ones as words. A question *about*
safety (消防安全讲座, 燃气泄漏报警器补贴, 老人摔倒险) is not an emergency: for fire, medical and gas
a word of prevention, insurance, training or subsidy makes it an ordinary question. Violence
and self-harm have no such exception: answering 家暴庇护所在哪 with 110 and 12338 as well costs
little, missing a cry for help costs much.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from knowledge.normalize import compact, fold


class Emergency(StrEnum):
    """What kind of emergency, in the order the advice is given when a message has several
    (我想自杀 and 着火了 both need an answer; a life at risk first)."""

    SELF_HARM = "self_harm"
    FALL_FROM_HEIGHT = "fall_from_height"
    FIRE = "fire"
    GAS = "gas"
    MEDICAL = "medical"
    VIOLENCE = "violence"
    DANGER = "danger"  # 救命: a cry for help that says nothing more


@dataclass(frozen=True, slots=True)
class Alarm:
    """The emergencies a message tells of, and the language it was written in ("zh"/"en")."""

    emergencies: tuple[Emergency, ...]
    language: str


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_GAS_WORD = "(?:煤气|燃气|天然气|液化气)"
# Chinese patterns, matched on the compact folded text.
_CHINESE: dict[Emergency, re.Pattern[str]] = {
    Emergency.SELF_HARM: _any(
        "自杀",
        "轻生",
        "寻死",
        "不想活",
        "活不下去",
        "活着没(?:有)?意思",
        "(?<!笑)想死(?!你)",
        "死了算了",
        "不如死了",
        "割腕",
        "自残",
        "结束(?:自己的)?生命",
        "(?:想|要)(?:去)?(?:跳楼|跳河|上吊|吃安眠药)",
    ),
    Emergency.FALL_FROM_HEIGHT: _any(
        "跳楼", "坠楼", "楼上(?:掉|摔|跳)下(?:来|去)", "(?:站|坐|爬)在(?:楼顶|天台|窗外|阳台外)"
    ),
    Emergency.FIRE: _any(
        "(?<!不)[着著]火",  # 著 is a Simplified character too: OpenCC leaves it
        "失火",
        "起火了",
        "起火啦",
        "火灾了",
        "烧起来了",
        "冒(?:黑)?烟了",
        "火很大",
    ),
    Emergency.GAS: _any(
        f"{_GAS_WORD}(?:的)?(?:味|泄漏|泄露|漏了|漏气)",
        f"闻到.{{0,4}}{_GAS_WORD}",
        f"{_GAS_WORD}中毒",
        "一氧化碳",
    ),
    Emergency.MEDICAL: _any(
        "晕倒",
        "昏倒",
        "昏迷",
        "晕过去",
        "昏过去",
        "叫不醒",
        "不省人事",
        "没(?:有)?(?:了)?呼吸(?!机)",  # 没有呼吸机 is about a ventilator
        "没气了",
        "(?<!得)(?<!得我)喘不(?:上|过)气",  # 压得(我)喘不过气 is a figure of speech
        "呼吸困难",
        "心脏病(?:发作|犯了)",
        "心梗",
        "心肌梗",
        "中风了",
        "脑梗了",
        "脑溢血",
        "抽搐",
        "休克",
        "(?:摔|跌)倒了",
        "摔(?:得|了)?(?:起不来|爬不起来|动不了)",
        "流了?(?:好多|很多)血",
        "血流不止",
        "出血不止",
        "被车撞了",
        "出车祸了",
        "(?:快|帮忙|赶紧|怎么)叫救护车",
        "中毒了",
        "噎住了",
        "溺水",
    ),
    Emergency.VIOLENCE: _any(
        "家暴",
        "家庭暴力",
        # 打我电话, 打我们社区电话 are phone calls
        "(?:打|揍|踢|掐)(?:我|我们|孩子|我和孩子|我老婆|我妈|老人)"
        "(?!们?(?:社区|的|家|这边)?(?:电话|手机|号码))",
        "有人打人",
        "在打人",
        "打起来了",
        "杀人",
        "砍人",
        "(?:拿|持)刀",
        "要杀(?:了|死)?(?:我|你|人)",
        "抢劫",
        "被抢",
        "绑架",
        "强奸",
        "性侵",
        "有人撬门",
        "入室",
        "闯进",
        "跟踪我",
    ),
    Emergency.DANGER: _any("救命"),
}

# English patterns, matched on the folded words (apostrophes dropped: can't is cant).
_ENGLISH: dict[Emergency, re.Pattern[str]] = {
    Emergency.SELF_HARM: _any(
        r"\bsuicid",
        r"\bkill(?:ing)? myself\b",
        r"\bend(?:ing)? (?:my|it) (?:life|all)\b",
        r"\bwant(?:s)? to die\b",
        r"\bself ?harm",
        r"\b(?:hurt|cut)(?:ting)? myself\b",
        r"\bdont want to (?:live|be alive)\b",
        r"\bno reason to live\b",
    ),
    Emergency.FALL_FROM_HEIGHT: _any(
        r"\bjump(?:ed|ing|s)? (?:off|from) (?:a |the )?(?:building|roof|balcony|window)",
        r"\bfell (?:off|from) (?:a |the )?(?:building|roof|balcony|window)",
    ),
    Emergency.FIRE: _any(
        r"\bon fire\b",
        r"\b(?:catch|catches|caught) fire\b",
        r"\bthere (?:is|s) a fire\b",
        r"\ba fire (?:in|at|on|next door|upstairs|downstairs)\b",
        r"\b(?:house|home|flat|apartment|building|kitchen|room|car|it) (?:is|s) burning\b",
        r"^(?:help )?fire(?: fire)*(?: help)?$",
    ),
    Emergency.GAS: _any(
        r"\bsmell(?:s|ing)? (?:of )?gas\b", r"\bgas (?:leak|smell)", r"\bcarbon monoxide\b"
    ),
    Emergency.MEDICAL: _any(
        r"\bunconscious\b",
        r"\bpassed out\b",
        r"\bcollapsed\b",
        r"\bfainted\b",
        r"\bnot breathing\b",
        r"\b(?:cant|cannot|can not) breathe\b",
        r"\bheart attack\b",
        r"\b(?:having|had) a stroke\b",
        r"\bseizure\b",
        r"\bbleeding (?:a lot|badly|heavily)\b",
        r"\bfell (?:down )?and (?:cant|cannot) get up\b",
        r"\b(?:call|need) an ambulance\b",
        r"\boverdose",
        r"\bchoking\b",
        r"\bwont wake up\b",
    ),
    Emergency.VIOLENCE: _any(
        r"\b(?:is|s|are|keeps|started) (?:hitting|beating|attacking|hurting|stabbing|choking)"
        r" (?:me|us|my)\b",
        r"\b(?:hits|beats) (?:me|us|my)\b",
        r"\bdomestic (?:violence|abuse)\b",
        r"\bbeing (?:attacked|robbed|beaten|followed|stalked)\b",
        r"\b(?:breaking|broke) into\b",
        r"\bburglar",
        r"\bintruder\b",
        r"\brape\b|\braped\b",
        r"\bkidnap",
        r"\bstabbed\b",
        r"\bthreaten(?:ing|s|ed)? to kill\b",
    ),
    Emergency.DANGER: _any(r"^help me(?: please)?$", r"^(?:help )+help$"),
}

# A question about safety, not an emergency: prevention, training, insurance, subsidies.
_ABOUT_SAFETY = _any(
    "预防",
    "防止",
    "防范",
    "讲座",
    "培训",
    "演练",
    "宣传",
    "知识",
    "隐患",
    "报警器",
    "安装",
    "改造",
    "补贴",
    "保险",
    "(?<!危)险",
    "课程",
    "防(?:溺水|跌倒|火)",
    r"\b(?:prevent|prevention|drill|training|course|lecture|insurance|subsidy|safety"
    r"|extinguisher|alarm|detector|inspection)\b",
)
# Or about what is over: 昨晚着火了，东西全烧没了 asks for relief, not for the fire brigade.
_OVER = _any(
    "昨天",
    "昨晚",
    "前天",
    "前几天",
    "上周",
    "上个?月",
    "去年",
    "那年",
    "以前",
    "之前",
    "烧没了",
    "烧光了",
    "烧毁",
    "走了",
    "去世",
    "过世",
    r"\b(?:yesterday|last (?:week|month|year)|ago)\b",
)
_NOT_NOW_APPLIES = frozenset({Emergency.FIRE, Emergency.GAS, Emergency.MEDICAL})
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile("[A-Za-zＡ-Ｚａ-ｚ]")


def _words(text: str) -> str:
    """The folded text as words: lower case, apostrophes dropped, anything else a space."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text).replace("'", "").replace("’", "")).split())


def emergency(text: str) -> Alarm | None:
    """The emergencies ``text`` tells of, or None when it is an ordinary message."""
    # Most questions are Chinese only: the English patterns (a third of the cost) skip them.
    chinese, words = compact(text), (_words(text) if _LATIN.search(text) else "")
    not_now = any(p.search(chinese) or p.search(words) for p in (_ABOUT_SAFETY, _OVER))
    found = tuple(
        kind
        for kind in Emergency
        if (_CHINESE[kind].search(chinese) or _ENGLISH[kind].search(words))
        and not (not_now and kind in _NOT_NOW_APPLIES)
    )
    if not found:
        return None
    return Alarm(found, "zh" if _CJK.search(chinese) else "en")
