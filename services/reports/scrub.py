"""Taking personal data out of what staff wrote for the public, as a second line of defence.

The monthly disclosure and exports made without personal data carry no resident's words
at all: they show each ticket's public summary (services/tickets/summaries.py), which staff
write for the public. This scrubber runs over those summaries all the same, because staff
may still name a resident or a flat by mistake. It removes what can identify a
person in a complaint: phone numbers however they are written (138.1234.5678, digit by
digit, in Chinese numerals), ID-card and other long numbers, Telegram @handles, WeChat ids,
links, e-mail addresses, the name the resident gave, people's names (jieba's part-of-speech
tagger finds 张建国 with no title; a name after 邻居/联系/我叫 … or after who the person
is (独居老人赵桂兰, 业主王秀英), before a title or 老人 (赵桂兰阿姨) and someone's home
(张伟家) are taken too), house and room numbers (楼/栋/单元/室/房/号, 五零一, 楼上1502, the
501 of 3号楼2单元501: "the community" is as precise as a public text gets) and the forms
of address that carry a surname (王阿姨, 李先生, 张师傅). It errs on the side of removing
(王府井 may read as 某人), but ordinary words that begin with a surname (老人安全, 关爱老人,
管道师傅, 张贴) are checked against jieba's dictionary and kept. The exact patterns, and
ordinary summaries that must pass unchanged, are tested in
tests/services/notices/test_disclosure.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

MASK = "某人"
_SPACE = re.compile(r"\s+")
# A digit as people type or say it: any Unicode digit (full-width too), Chinese numerals
# (幺 is a spoken 1).
_DIGITS = r"\d〇零一二三四五六七八九幺两"
_D = f"[{_DIGITS}]"
_SEP = r"[\s.\-·_、，,()（）]{0,3}"
# Mobile numbers however they are written: 138.1234.5678, 1 3 8 …, 一三八一二三四五六七八.
MOBILE = re.compile(
    rf"(?<![{_DIGITS}])(?:\+?86{_SEP})?[1１一幺]{_SEP}[3-9３-９三四五六七八九]{_SEP}"
    rf"(?:{_D}{_SEP}){{8}}{_D}(?![{_DIGITS}])"
)
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"https?://\S+|t\.me/\S+|www\.\S+", re.IGNORECASE), "[链接]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[邮箱]"),
    (
        re.compile(
            r"(?:微信号?|威信|薇信|v信|weixin|wechat|vx|wx)\s*(?:号|id)?\s*[:：是为]?\s*"
            r"[a-z][-_a-z0-9]{5,19}",
            re.IGNORECASE,
        ),
        "[账号]",
    ),
    (re.compile(r"@\w{3,}"), "[账号]"),
    (MOBILE, "[电话]"),
    # Phone numbers, written with spaces or dashes, with or without +86, and landlines.
    (re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)"), "[电话]"),
    (LANDLINE, "[电话]"),
    # ID-card numbers, Telegram ids, plate or account numbers: any long run of digits.
    (re.compile(r"\d{5,}[\dXx]?"), "[号码]"),
    # Building, unit and room numbers: 3号楼, 2单元, 501室, 12栋, 3-501.
    # Not a day of the month (12月3号): a date says nothing about anyone.
    (
        re.compile(
            r"(?<!月)(?<![\d一二三四五六七八九十百零〇两])"
            r"[\d一二三四五六七八九十百零〇两]+\s*(?:号楼|栋|幢|座|单元|楼|室|户|号)"
        ),
        "某处",
    ),
    (re.compile(r"\d+-\d+"), "某处"),
    # Room numbers said digit by digit (五零一, 一五零二), and bare ones next to a neighbour.
    (re.compile(r"[一二三四五六七八九]{1,2}[零〇][一二三四五六七八九]"), "某处"),
    (re.compile(r"(楼上|楼下|隔壁|对门|对面|住在|住)\s*\d{3,4}(?!\d)"), r"\1某处"),
    (re.compile(r"\d{3,4}\s*号?房(?![间屋子东产租])"), "某处"),  # 1202房, not 房间 or 房东
    (re.compile(r"(?:某处)+"), "某处"),
    # A bare room number left after its building (3号楼2单元501 → 某处501), though not a
    # date, an hour or a count that follows a building (5号楼12月起, 3号楼20户).
    (re.compile(r"某处\s*\d{2,4}(?![\d年月日号点时分个户人次件米%])"), "某处"),
)
_PLACEHOLDER = re.compile(rf"\[(?:电话|号码|链接|邮箱|账号)\]|{MASK}|某处")
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
# Everyday words jieba's dictionary tags as names (nr), as a summary may use them: 张贴
# "to put up (a notice)", 安全检查 "safety check", 文明 "civilised", 关怀 "care".
_NOT_NAMES = frozenset(
    ("张贴", "安全检查", "文明", "阳光", "明白", "安静", "康复", "关怀", "周转", "陈述",
     "荣获", "祝贺", "杜绝", "许可", "齐全", "宁静", "安抚", "陈列", "胡同", "卓越", "高峰",
     "谢谢", "荣誉", "明星", "卫星", "高明", "顾问", "顾客", "师生", "宁可", "林立")
)  # fmt: skip
# 工 and 总 are left out: 施工 and 总是 would read as a surname with a title.
_TITLES = (
    "阿姨|叔叔|先生|女士|小姐|师傅|大爷|大妈|奶奶|爷爷|老师|同志|阿婆|阿公|老板|经理|主任|书记"
)
_TITLE_WORDS = frozenset(_TITLES.split("|"))  # 师傅 alone is nobody's name
# 王某 / 王某某, though not a surname-like word before a placeholder (于某处: "at some place").
_ADDRESSED = re.compile(rf"(?:[老小])?[{_SURNAMES}](?:{_TITLES}|某(?![处人])某?)")
# 老王 / 小李: only the commonest surnames, so that 小时, 小区 and 老师 stay as they are.
_COMMON = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘"
    "蒋蔡杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范廖贾"
)
_FAMILIAR = re.compile(rf"[老小][{_COMMON}]")
# Someone's home named by their full name (张伟家, 张建国家门口, 张伟家电梯), though not an
# estate or a shop named with 家 (阳光家园, 万家乐, 家电): whose home a ticket is about is
# theirs to tell.
_HOME = re.compile(rf"[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}(?=家(?![园具居乐政务]|电(?!梯)))")
# A full name after the word for who the person is (独居老人赵桂兰, 业主王秀英) or before a
# title or 老人 (赵桂兰阿姨, 刘淑芬老人). These words also precede or follow ordinary words
# that begin with a surname (老人安全, 关爱老人, 管道师傅): ``_a_name`` tells them apart.
_ROLE_NAMED = re.compile(
    rf"(?<=老人|居民|村民|业主|住户|租户|户主)[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}"
    rf"|[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}(?=老人|{_TITLES})"
)
# A name right after the words that introduce one, whatever the tagger makes of it.
_INTRODUCED = re.compile(
    rf"(邻居|联系人?|我叫|名叫|叫做|姓名[:：]?|我是|找|告诉)\s*([{_SURNAMES}][\u4e00-\u9fff]{{1,2}})"
)


def scrub(text: str | None, names: Iterable[str | None] = ()) -> str:
    """``text`` with personal data replaced by neutral placeholders, on one line.

    ``names`` are names known to belong to the people involved (the resident's display
    name): they are removed wherever they appear, whatever their form.
    """
    if not text:
        return ""
    out = _known_names(text, names)
    for pattern, placeholder in _PATTERNS:
        out = pattern.sub(placeholder, out)
    out = _tagged_names(_addressed(out))
    return _SPACE.sub(" ", out).strip()


def says_nothing(scrubbed: str) -> bool:
    """True when a scrubbed text has no words left besides the placeholders."""
    return not any(ch.isalnum() for ch in _PLACEHOLDER.sub("", scrubbed))


def mask_people(text: str, names: Iterable[str | None] = ()) -> str:
    """``text`` with known ``names``, people named with a title or after 我叫/邻居/老人 (王阿姨,
    老王, 邻居刘桂兰, 老人赵桂兰) and whose home it is (张伟家) masked, and nothing else: for a
    place already cut to its building, whose numbers stay. jieba's tagger is left out here,
    as it reads estate names (阳光花园) as people's."""
    return _SPACE.sub(" ", _addressed(_known_names(text, names))).strip()


def _known_names(text: str, names: Iterable[str | None]) -> str:
    for name in names:
        for part in _name_parts(name):
            text = text.replace(part, MASK)
    return text


def _addressed(text: str) -> str:
    """Names after the words that introduce one, and surnames with a title or 老/小."""
    out = _INTRODUCED.sub(lambda m: m.group(1) + MASK, text)
    out = _ROLE_NAMED.sub(lambda m: MASK if _a_name(m.group(0)) else m.group(0), out)
    return _HOME.sub(MASK, _FAMILIAR.sub(MASK, _ADDRESSED.sub(MASK, out)))


def _a_name(word: str) -> bool:
    """False when ``word``, or its first two characters, is a word of jieba's dictionary
    other than a name (安全, 关爱, 管道 in 管道师傅): a name is rarely in it, or is tagged
    as one (nr)."""
    tags = _dictionary()
    for part in (word, word[:2]):
        tag = tags.get(part)
        if part in _NOT_NAMES or (tag is not None and not tag.startswith("nr")):
            return False
    return True


def mask_phone_numbers(text: str) -> str:
    """``text`` with every phone number in it shown as 138****5678 (the first three and
    the last four characters of the number as written): enough for staff to recognise it,
    not to call it. The full number reaches only whoever takes the ticket, in private."""

    def masked(match: re.Match[str]) -> str:
        number = re.sub(r"[\s.\-·_、，,()（）+]", "", match.group(0))
        return number[:3] + "****" + number[-4:]

    return LANDLINE.sub(masked, MOBILE.sub(masked, text))


def _tagged_names(text: str) -> str:
    """``text`` with the words jieba tags as people's names (nr) masked, if they begin
    with a surname: the tagger also reads things as names (井盖 "manhole cover"), and a
    Chinese name starts with its surname."""
    return "".join(
        MASK if flag == "nr" and 2 <= len(word) <= 4 and _named(word) else word
        for word, flag in _tagger()(text)
    )


def _named(word: str) -> bool:
    return (
        word[0] in _SURNAMES
        and "某" not in word
        and word not in _NOT_NAMES
        and word not in _TITLE_WORDS
    )


@lru_cache(maxsize=1)
def _tagger() -> Any:
    """jieba's part-of-speech tagger, loaded on first use (its dictionary takes a second)."""
    import jieba.posseg

    return jieba.posseg.lcut


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, str]:
    """jieba's dictionary: each word's part of speech (nr for a name)."""
    import jieba.posseg

    tags: dict[str, str] = jieba.posseg.dt.word_tag_tab
    return tags


def _name_parts(name: str | None) -> list[str]:
    """The full name and its words of two characters or more, longest first."""
    if not name or not name.strip():
        return []
    parts = {name.strip(), *(w for w in name.split() if len(w) >= 2)}
    return sorted(parts, key=len, reverse=True)
