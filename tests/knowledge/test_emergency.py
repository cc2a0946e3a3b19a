"""An emergency is recognised before matching, in Simplified, Traditional and English; an
ordinary service question, even one about safety, is not an emergency."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.emergency import Alarm, Emergency, emergency

FIRE, MEDICAL, GAS = Emergency.FIRE, Emergency.MEDICAL, Emergency.GAS
VIOLENCE, SELF_HARM = Emergency.VIOLENCE, Emergency.SELF_HARM
FALL, DANGER = Emergency.FALL_FROM_HEIGHT, Emergency.DANGER
MISSING, LIFT = Emergency.MISSING_PERSON, Emergency.TRAPPED_IN_LIFT


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("着火了", FIRE),
        ("著火了快來人", FIRE),  # Traditional
        ("楼下起火了！", FIRE),
        ("厨房冒烟了怎么办", FIRE),
        ("Fire!", FIRE),
        ("There's a fire in my building", FIRE),
        ("my neighbour's flat is on fire", FIRE),
        ("老人摔倒了起不来", MEDICAL),
        ("我爸突然晕倒了叫不醒怎么办", MEDICAL),
        ("妈妈心脏病发作了", MEDICAL),
        ("邻居老太太昏迷了", MEDICAL),
        ("他喘不上气了", MEDICAL),
        ("My dad can't breathe", MEDICAL),
        ("my neighbour collapsed and is unconscious", MEDICAL),
        ("I think he's having a stroke", MEDICAL),
        ("楼道里好大煤气味", GAS),
        ("家裡有煤氣味", GAS),  # Traditional
        ("燃气泄漏了怎么办", GAS),
        ("I smell gas in the kitchen", GAS),
        ("有人跳楼", FALL),
        ("对面楼有人站在楼顶上", FALL),
        ("我真的活不下去了，不想活了", SELF_HARM),
        ("我想自殺", SELF_HARM),
        ("活着没意思，想死", SELF_HARM),
        ("I want to kill myself", SELF_HARM),
        ("I'm thinking about suicide", SELF_HARM),
        ("老公喝了酒就打我和孩子，我该找谁", VIOLENCE),
        ("有人拿刀砍人", VIOLENCE),
        ("我被家暴了", VIOLENCE),
        ("有人撬门，好像要入室抢劫", VIOLENCE),
        ("he is hitting me", VIOLENCE),
        ("Someone broke into my flat", VIOLENCE),
        ("救命啊！", DANGER),
        ("电梯困人了", LIFT),
        ("我被困电梯里了，出不去", LIFT),
        ("电梯关人了！！", LIFT),
        ("我妈困在电梯里", LIFT),
        ("電梯困人，快來人", LIFT),  # Traditional
        ("我被困在電梯裡了", LIFT),  # Traditional
        ("电体困人了", LIFT),  # a pinyin typo
        ("电梯卡在两层中间了，里面有人", LIFT),
        ("I'm stuck in the lift", LIFT),
        ("We are trapped in the elevator", LIFT),
        ("I'm stuck in the lift and the alarm doesn't work", LIFT),  # "alarm" is no exception
        ("孩子走丢了", MISSING),
        ("小孩不见了怎么办", MISSING),
        ("找不到孩子了！！", MISSING),
        ("老人走失", MISSING),
        ("我爸有老年痴呆，早上出门买菜到现在还没回来", MISSING),
        ("昨天晚上孩子就走丢了，到现在还没找到", MISSING),  # still missing: no 24-hour wait
        ("小孩不見了", MISSING),  # Traditional
        ("孩子走丟了", MISSING),  # Traditional
        ("孩子丢了快帮帮我", MISSING),
        ("My child is missing", MISSING),
        ("my grandma with dementia is lost", MISSING),
        ("I can't find my son anywhere", MISSING),
    ],
)
def test_emergencies_are_recognised(text: str, kind: Emergency) -> None:
    alarm = emergency(text)
    assert alarm is not None and kind in alarm.emergencies


def test_several_emergencies_come_most_urgent_first_in_the_language_written() -> None:
    assert emergency("他打我，我不想活了") == Alarm((SELF_HARM, VIOLENCE), "zh")
    assert emergency("The kitchen is on fire and my mum fainted") == Alarm((FIRE, MEDICAL), "en")
    assert emergency("电梯困人了，里面的老人晕倒了") == Alarm((MEDICAL, LIFT), "zh")
    assert emergency("救命，孩子走丢了") == Alarm((MISSING, DANGER), "zh")


@pytest.mark.parametrize(
    "text",
    [
        "消防安全讲座什么时候",
        "燃气费怎么交",
        "燃气泄漏报警器安装有补贴吗",
        "老人摔倒险怎么买",
        "防跌倒改造补贴",
        "急救培训在哪报名",
        "中风后康复有补贴吗",
        "家里老人要用呼吸机，没有呼吸机能租吗",
        "你们可以打我电话吗",
        "打我们社区电话没人接",
        "小区要杀虫吗",
        "家里昨晚着火了，东西全烧没了，能不能先给点急用的钱",
        "热水器点不着火，社区有维修师傅吗",
        "孩子爸爸去年出车祸走了，学费能减免吗",
        "两个孩子的学费压得我喘不过气",
        "有人在小区烧垃圾，烟很大",
        "A workshop nearby is burning something that smells awful every night",
        "fire safety lecture",
        "How do I pay the gas bill?",
        "低保怎么申请",
        "楼上装修噪音太大",
        "社区警务室电话",
        "邻居纠纷怎么调解",
        # a lift's upkeep, or a complaint, is not someone trapped now
        "电梯维保电话多少",
        "加装电梯补贴怎么申请",
        "电梯年检什么时候",
        "電梯維保歸誰管",  # Traditional
        "电梯经常困人，物业也不管",
        "昨天电梯困人了，物业半小时才来",
        "电梯坏了好几天没人修",
        "小区电梯关了要走楼梯吗",
        "How do I apply for the elevator installation subsidy?",
        "Who pays for lift maintenance?",
        # prevention, a person found again, someone working away, a lost thing
        "防走失手环怎么领",
        "老人防走失手环在哪领",
        "孩子走丢过一次，想办个定位手表",
        "上个月孩子走丢了，后来找到了",
        "儿子出去打工一直没回来，家里困难",
        "孩子丢了学生证怎么补",
        "老年痴呆找不到合适的养老院",
        "Where can I get an anti-wandering bracelet for my dad?",
        "My dad has lost his job",
        "My daughter is missing school because she is ill",
        "I'm missing my mum",
    ],
)
def test_ordinary_questions_are_not_emergencies(text: str) -> None:
    assert emergency(text) is None


SAMPLES = [
    Path(__file__).parents[2] / "tests" / "data" / name
    for name in ("kb-labelled.jsonl", "kb-styles-dev.jsonl", "kb-styles-heldout.jsonl")
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_no_labelled_question_is_an_emergency(path: Path) -> None:
    """Every labelled question is an ordinary one (fires, accidents and illness among them
    are past, asking for relief or care): none is answered with emergency numbers."""
    questions = [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line]
    assert [q for q in questions if emergency(q) is not None] == []
