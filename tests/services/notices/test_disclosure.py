"""The monthly disclosure and the scrubber behind it: nothing personal reaches the public."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notices.disclosure import disclosure_text, previous_month, resolved_complaints
from services.reports import ReportService, month_period
from services.reports.scrub import scrub
from storage import Database
from tests.services import report_tickets as data

PHONE_LIKE = re.compile(r"1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}")


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("请联系王阿姨 138 1234 5678", ["王阿姨", "138", "5678"], ["请联系"]),
        ("电话+86-139-1234-5678，座机021-12345678", ["139", "021", "12345678"], ["电话"]),
        ("幸福小区3号楼2单元501室噪音", ["3号楼", "501"], ["幸福小区", "噪音"]),
        ("身份证11010519491231002X", ["110105"], ["身份证"]),
        ("我的tg是 @wangwei123 id 5512345678", ["wangwei", "5512345678"], ["我的tg是"]),
        ("邮箱 wang@example.com 网址 https://t.me/x", ["example", "t.me"], ["邮箱"]),
        ("老张和小李说施工队总是来", ["老张", "小李"], ["施工队总是来"]),
        ("小区里两小时都在施工，老师也反映了", [], ["小区里两小时都在施工，老师也反映了"]),
        # Full names with no title, or with one after them.
        ("张建国反映楼上漏水", ["张建国"], ["反映楼上漏水"]),
        ("王建国说物业不管", ["王建国"], ["物业不管"]),
        ("李建国先生打了电话", ["李建国"], ["打了电话"]),
        ("邻居刘桂兰天天跺脚", ["刘桂兰"], ["邻居", "天天跺脚"]),
        # Phone numbers however they are written.
        ("电话138.1234.5678", ["138", "1234", "5678"], ["电话"]),
        ("电话 1 3 8 1 2 3 4 5 6 7 8 找我", ["1 3 8", "5 6 7 8"], ["找我"]),
        ("打一三八一二三四五六七八找我", ["一三八", "五六七八"], ["找我"]),
        ("电话１３８１２３４５６７８", ["１３８", "５６７８"], ["电话"]),
        # Room numbers said digit by digit, or next to a neighbour.
        ("我住五零一，楼上1502天天吵", ["五零一", "1502"], ["天天吵"]),
        # WeChat ids.
        ("微信号 wang_wei88 加我", ["wang_wei88"], ["加我"]),
        ("加vx: abc12345", ["abc12345"], []),
        # What must stay: dates, counts, durations, people by their role.
        ("2026年11月2日上午十点停水，一共12个桶", [], ["2026年11月2日上午十点停水，一共12个桶"]),
        ("物业经理说明天修，社区书记来看过", [], ["物业经理说明天修，社区书记来看过"]),
        # What staff write in a summary: a day of the month, things the tagger took for names.
        ("12月3号已更换二十个井盖", [], ["12月3号已更换二十个井盖"]),
        ("已于5号楼前更换全部路灯", ["5号楼"], ["已于", "更换全部路灯"]),
        ("王某某反映的问题已处理", ["王某某"], ["反映的问题已处理"]),
        # Found in published summaries: a home by a full name before 家电梯, a name after who
        # the person is or before a title, a room number left after its building.
        ("张伟家电梯已修复，联系13812345678，3号楼", ["张伟", "138", "3号楼"], ["家电梯已修复"]),
        ("为独居老人赵桂兰安装了一键呼叫", ["赵桂兰"], ["为独居老人", "安装了一键呼叫"]),
        ("住在3号楼2单元501的老人已送医", ["3号楼", "501"], ["住在", "的老人已送医"]),
        ("业主王秀英反映的漏水已修好", ["王秀英"], ["业主", "反映的漏水已修好"]),
        ("赵桂兰阿姨家的门锁已换", ["赵桂兰"], ["阿姨家的门锁已换"]),
        ("刘淑芬老人已入住养老院", ["刘淑芬"], ["老人已入住养老院"]),
        ("1202房已修好，5号楼302漏水已修", ["1202", "302", "5号楼"], ["已修好", "漏水已修"]),
        # Caught before, and still.
        ("王芳反映楼道堆物已清理", ["王芳"], ["反映楼道堆物已清理"]),
        ("居民刘德华反映的问题已处理", ["刘德华"], ["居民", "反映的问题已处理"]),
        ("李建国家门口的垃圾已清运", ["李建国"], ["家门口的垃圾已清运"]),
    ],
)
def test_scrub(text: str, gone: list[str], kept: list[str]) -> None:
    out = scrub(text)
    for piece in gone:
        assert piece not in out, out
    for piece in kept:
        assert piece in out, out


@pytest.mark.parametrize(
    "summary",
    [
        "楼道灯已更换",
        "已联系物业维修电梯",
        "张贴了通知",
        "已张贴停水通知，居民张贴的小广告已清除",
        "保障了老人安全，老人安全检查已完成",
        "关爱老人活动已开展，看望了高龄老人",
        "为全体老人体检，已为周边老人送餐",
        "管道师傅已上门维修，物业电工师傅已修好电路",
        "已安排保洁阿姨每日清扫",
        "居民高兴地表示感谢，居民代表参加了协调会",
        "家电维修已完成",
        "已开展文明楼道评比",
        "化粪池已疏通，违章搭建已拆除",
        "2026年12月3日已修复，一共12个桶",
        "业主委员会已召开会议，村民小组长已到场",
        "5号楼前的井盖已更换",
    ],
)
def test_ordinary_summaries_are_published_as_written(summary: str) -> None:
    # The name patterns meet words beginning with a surname (安全, 高龄, 管道, 张贴) in
    # every summary: they must leave them alone. A building is still cut (5号楼 → 某处).
    assert scrub(summary) == summary.replace("5号楼", "某处")


def test_scrub_removes_known_names_in_any_script() -> None:
    assert "Wang" not in scrub("I am Wang Wei from building 3", ["Wang Wei"])
    assert "李建国" not in scrub("李建国反映楼道堆物", ["李建国"])
    assert scrub(None) == "" and scrub("  多个   空格\n换行 ") == "多个 空格 换行"


@given(
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.sampled_from(["", " ", "-", ".", " - ", "·"]),
    st.text(alphabet="噪音扰民楼道垃圾，。", max_size=10),
)
def test_no_mobile_number_survives(number: str, sep: str, around: str) -> None:
    written = f"{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}"
    out = scrub(f"{around}电话{written}{around}")
    assert not PHONE_LIKE.search(out) and number[-4:] not in out


@pytest.fixture
async def service(database: Database) -> ReportService:
    await data.add_october(database)
    return ReportService(database, lambda: data.NOW)


@pytest.mark.parametrize("personal", [False, True])
async def test_disclosure_has_no_personal_data(service: ReportService, personal: bool) -> None:
    report = await service.report(month_period(2026, 10), with_personal_data=personal)
    text = disclosure_text(report)
    for secret in (data.PHONE, "王阿姨", "李先生", "张三", "张社工", "李社工", "502"):
        assert secret not in text
    # Nothing the residents or staff wrote to each other: only the public summaries.
    for words in ("电钻", "广场舞", "垃圾站", "约谈业主", "舞蹈队", "消毒"):
        assert words not in text
    for telegram_id in (data.WANG, data.LI, data.ZHANG, data.STAFF_A, data.STAFF_B):
        assert str(telegram_id) not in text
    assert not re.search(r"\d{5,}", text)


async def test_disclosure_lists_resolved_complaints_and_the_rates(service: ReportService) -> None:
    report = await service.report(month_period(2026, 10))
    assert [r.number for r in resolved_complaints(report)] == [
        "2610-0001",
        "2610-0002",
        "2610-0003",
    ]
    text = disclosure_text(report)
    assert text.startswith("【居务公开】2026年10月")
    assert "响应率：71.4%" in text and "解决率：57.1%（其中经居民确认解决 28.6%）" in text
    assert "满意率：66.7%（共 3 条评价）" in text
    # No summary written: category · place at building level · outcome.
    assert "1. 噪音扰民 · 幸福小区3号楼 · 已办结，用时 18 个工作小时" in text
    assert "2. 噪音扰民 · 幸福小区3号楼 · 已解决，用时 11 个工作小时" in text
    assert "用时 18 个工作小时" in text and "用时 19 个工作小时" in text
    assert "高龄补贴" not in text  # an enquiry, not a complaint


async def test_disclosure_of_an_empty_month(service: ReportService) -> None:
    text = disclosure_text(await service.report(month_period(2026, 6)))
    assert "本期没有收到群众反映" in text and "响应率：暂无" in text
    assert "本期没有已办结的投诉" in text


def test_previous_month() -> None:
    assert previous_month(date(2027, 1, 1)).label == "2026-12"
    assert previous_month(date(2026, 11, 30)).label == "2026-10"
