"""What makes a message that names an emergency an ordinary question: a question *about*
safety (消防安全讲座, 电梯维保, 防走失手环怎么领), or about what is over (昨晚着火了,
孩子已经找到了).

Compared, like the emergencies, with the compact folded text (Chinese) and the folded words
(English); ``knowledge.emergency`` says which of these apply to which emergency.
"""

from __future__ import annotations

import re


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# Prevention, training, insurance, subsidies: what every question about safety may name.
_PREVENTION = (
    "预防",
    "防止",
    "防范",
    "讲座",
    "培训",
    "演练",
    "宣传",
    "知识",
    "隐患",
    "安装",
    "改造",
    "补贴",
    "保险",
    "(?<!危)险",
    "课程",
)
_PREVENTION_EN = "prevent|prevention|drill|training|course|lecture|insurance|subsidy"

ABOUT_SAFETY = _any(
    *_PREVENTION,
    "报警器",
    "防(?:溺水|跌倒|火)",
    rf"\b(?:{_PREVENTION_EN}|safety|extinguisher|alarm|detector|inspection)\b",
)
# A lift's upkeep (维保, 年检, 加装电梯, 电梯费) or a complaint that it keeps trapping people
# (电梯经常困人，物业不管) is not someone trapped now. "Alarm" and "safety" are no exception
# here: "I'm stuck in the lift and the alarm doesn't work" is.
ABOUT_LIFT = _any(
    *_PREVENTION,
    "维保",
    "维护",
    "保养",
    "年检",
    "检验",
    "检测",
    "加装",
    "电梯费",
    "收费",
    "经常",
    "老是",
    "总是",
    "动不动",
    "三天两头",
    "好几次",
    "多次",
    rf"\b(?:{_PREVENTION_EN}|maintenance|inspection|installation|install|installing|fee|fees"
    r"|often|always|keeps)\b",
)
# A missing person is still missing tomorrow (there is no 24-hour wait): no past time makes it
# an ordinary question, only prevention (防走失手环, 定位手表) or their being found again.
ABOUT_MISSING = _any(
    *_PREVENTION,
    "防走(?:失|丢)",
    "手环",
    "定位(?:器|手表|卡|设备)",
    "怎么领",
    "领取",
    rf"\b(?:{_PREVENTION_EN}|bracelet|tracker|gps)\b",
)
FOUND_AGAIN = _any(
    "(?<![没不])(?:找到了|找回(?:来)?了|回来了|回家了|送回(?:来)?了)",
    "去世",
    "过世",
    r"\b(?:was|were|been) found\b|\bcame (?:back|home)\b|\bfound (?:him|her|them)\b",
    r"\b(?:died|passed away)\b",
)
# Or about what is over: 昨晚着火了，东西全烧没了 asks for relief, not for the fire brigade.
OVER = _any(
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
