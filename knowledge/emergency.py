"""Messages that are emergencies: a fire, someone collapsed, a gas smell, violence, a person
who does not want to live, a missing child or a lost older person, someone trapped in a lift.

Matched against the knowledge base, 着火了 got the temporary-relief article and 不想活了 the
minimum living allowance: an answer that wastes the minutes that count. An emergency is
recognised before any matching and answered with what to do now (the national emergency
numbers), whatever a kept decision for the same words says.

Patterns are compared with the folded text (width, script and case: 煤氣味 is 煤气味), the
Chinese ones without punctuation or spaces, the English ones as words. A question *about*
safety (消防安全讲座, 燃气泄漏报警器补贴, 老人摔倒险) is not an emergency: for fire, medical, gas
and a lift a word of prevention, insurance, training or subsidy makes it an ordinary question
(and for a lift its upkeep: 电梯维保, 加装电梯补贴, 电梯年检), as does a past time (昨晚着火了).
A missing person is still missing the next day, so only their being found again or a word of
prevention (防走失手环怎么领) makes that an ordinary question. Violence and self-harm have no such
exception: answering 家暴庇护所在哪 with 110 and 12338 as well costs little, missing a cry for
help costs much.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from knowledge.emergency_exceptions import (
    ABOUT_LIFT,
    ABOUT_MISSING,
    ABOUT_SAFETY,
    FOUND_AGAIN,
    OVER,
)
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
    MISSING_PERSON = "missing_person"  # a child gone missing, an older person lost
    TRAPPED_IN_LIFT = "trapped_in_lift"
    DANGER = "danger"  # 救命: a cry for help that says nothing more


@dataclass(frozen=True, slots=True)
class Alarm:
    """The emergencies a message tells of, and the language it was written in ("zh"/"en")."""

    emergencies: tuple[Emergency, ...]
    language: str


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_GAS_WORD = "(?:煤气|燃气|天然气|液化气)"
_LIFT = "(?:电梯|电体|升降梯|轿厢)"  # 电体: a pinyin typo
# Who goes missing: a child, or an older person (often with dementia).
_WHO = (
    "(?:孩子|小孩|小朋友|儿子|女儿|闺女|娃|宝宝|孙子|孙女|老人|老爷子|老太太|老头|老太|老伴"
    "|爸|妈|父亲|母亲|爷爷|奶奶|外公|外婆|姥姥|姥爷|家人)"
)
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
    Emergency.MISSING_PERSON: _any(
        "(?<!防)(?<!防止)走(?:丢|失)(?!过)",  # 防走失手环, 走丢过一次: not missing now
        "失踪",
        f"{_WHO}(?:不见了|找不(?:到|着)了)",
        f"{_WHO}(?:弄)?丢了(?=$|了|啦|啊|呀|吗|怎么办|咋办|快|帮|求|找|报警)",
        f"找不(?:到|着)(?:我|我的|我家)?{_WHO}(?:了|啦|在哪|去哪)",
        # 出去打工一直没回来 is someone working away, not someone lost
        f"{_WHO}.{{0,10}}(?:出门|放学|散步|遛弯|买菜|出去玩|下楼).{{0,8}}没(?:有)?回(?:家|来)",
        "(?:痴呆|失智|阿尔茨海默).{0,16}(?:没(?:有)?回(?:家|来)|找不(?:到|着)(?:人|他|她)|不见了)",
        "(?:孩子|小孩|娃|宝宝)被(?:人)?(?:抱走|拐|偷走)",
        "人贩子",
    ),
    Emergency.TRAPPED_IN_LIFT: _any(
        f"{_LIFT}(?:里|内|里面)?(?:有人)?(?:被)?困(?:住|了|人|着)",
        f"{_LIFT}(?:里|内|里面)?(?:把人)?关(?:住)?(?:了)?(?:人|我|孩子|小孩|老人)",
        f"(?:困|关|卡|锁)在(?:了)?{_LIFT}",
        f"被困(?:在)?(?:了)?{_LIFT}",
        f"困{_LIFT}",
        f"{_LIFT}.{{0,6}}出不来",
        f"{_LIFT}.{{0,4}}(?:停|卡)在(?:了)?(?:半空|半中间|两层(?:楼)?(?:之间|中间))",
        f"{_LIFT}(?:突然)?(?:下坠|坠落|往下掉|掉下去了)",
    ),
    Emergency.DANGER: _any("救命"),
}

# English patterns, matched on the folded words (apostrophes dropped: can't is cant).
_WHO_EN = (
    "(?:child|children|kid|kids|son|daughter|boy|girl|little boy|little girl|baby|toddler"
    "|mother|mum|mom|father|dad|grandma|grandmother|grandpa|grandfather|granny|grandson"
    "|granddaughter|husband|wife|parent|parents)"
)
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
    Emergency.MISSING_PERSON: _any(
        # my daughter is missing school, my dad has lost his job: not missing persons
        rf"\b(?:my|our) {_WHO_EN}(?: \w+){{0,4}}(?: (?:is|s|are|went|got|has gone|has been"
        r"|have gone|have been))? missing\b(?! (?:school|class|classes|lessons|out|work))",
        rf"\b(?:my|our) {_WHO_EN}(?: \w+){{0,4}} (?:is|s|are|went|got|has gone|has been"
        r"|have gone|have been) lost\b",
        rf"\b(?:lost|cant find|cannot find|can not find) (?:my|our) {_WHO_EN}\b",
        rf"\bmissing {_WHO_EN}\b",
        r"\bwandered off\b",
    ),
    Emergency.TRAPPED_IN_LIFT: _any(
        r"\b(?:stuck|trapped|locked) (?:in|inside) (?:a |the |an |our |my )?(?:lift|elevator)\b",
        r"\b(?:lift|elevator) (?:is |s |got |has )?(?:stuck|stopped|broken down)"
        r" (?:with|and) (?:me|us|someone|people|my|a|an|the|our)\b",
    ),
    Emergency.DANGER: _any(r"^help me(?: please)?$", r"^(?:help )+help$"),
}

# What makes a message that names an emergency an ordinary question, kind by kind.
_NOT_NOW: dict[Emergency, tuple[re.Pattern[str], ...]] = {
    Emergency.FIRE: (ABOUT_SAFETY, OVER),
    Emergency.GAS: (ABOUT_SAFETY, OVER),
    Emergency.MEDICAL: (ABOUT_SAFETY, OVER),
    Emergency.TRAPPED_IN_LIFT: (ABOUT_LIFT, OVER),
    Emergency.MISSING_PERSON: (ABOUT_MISSING, FOUND_AGAIN),
}
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile("[A-Za-zＡ-Ｚａ-ｚ]")


def _words(text: str) -> str:
    """The folded text as words: lower case, apostrophes dropped, anything else a space."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text).replace("'", "").replace("’", "")).split())


def emergency(text: str) -> Alarm | None:
    """The emergencies ``text`` tells of, or None when it is an ordinary message."""
    # Most questions are Chinese only: the English patterns (a third of the cost) skip them.
    chinese, words = compact(text), (_words(text) if _LATIN.search(text) else "")
    named = [k for k in Emergency if _CHINESE[k].search(chinese) or _ENGLISH[k].search(words)]
    if not named:
        return None
    found = tuple(
        kind
        for kind in named
        if not any(p.search(chinese) or p.search(words) for p in _NOT_NOW.get(kind, ()))
    )
    if not found:
        return None
    return Alarm(found, "zh" if _CJK.search(chinese) else "en")
