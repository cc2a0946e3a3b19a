"""Filing a complaint in Telegram, end to end: every step, bad input, /cancel, a restart,
duplicates, a double press and idle expiry (enquiries: test_my_tickets.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.runner import running
from bot.scheduler import expire_filing_drafts
from services import open_services
from services.access import Actor
from services.knowledge.live import LiveKnowledge
from services.tickets import Complaint
from storage.models import OutboxMessage, Ticket, TicketFollower
from tests.e2e.conftest import FAST_DELIVERY, RESIDENT_ID, STAFF_CHAT_ID, Linli
from tests.fakes.bot_api import TINY_PNG, BotApiServer, button_labels

NUMBER = re.compile(r"\d{4}-\d{4}")
DAY = timedelta(days=1)
NOISE = "楼上每天晚上十一点以后还在装修，电钻声音很大，孩子没法睡觉"


class ShiftedClock:
    """Real time plus an offset that a test may change."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def bot_answers(api: BotApiServer, act: Callable[[], Any], count: int = 1) -> list[dict]:
    """Do ``act`` (a user action) and return the bot's new messages in the resident's chat."""
    before = {m["message_id"] for m in api.sent_to(RESIDENT_ID)}
    act()

    def fresh() -> list[dict]:
        new = [m for m in api.sent_to(RESIDENT_ID) if m["message_id"] not in before]
        return new if len(new) >= count else []

    return await api.wait_for(fresh)


async def say(linli: Linli, text: str, **kw: Any) -> dict:
    return (await bot_answers(linli.api, lambda: linli.api.send_text(linli.resident, text, **kw)))[
        -1
    ]


async def press(linli: Linli, message: dict, label: str) -> dict:
    act = lambda: linli.api.press_button(linli.resident, message, label=label)  # noqa: E731
    return (await bot_answers(linli.api, act))[-1]


async def draft(linli: Linli) -> Any:
    return await linli.services.tickets.filing.get_draft(Actor.in_private(RESIDENT_ID))


async def tickets(linli: Linli) -> list[Ticket]:
    async with linli.services.db.transaction() as session:
        return list(await session.scalars(select(Ticket)))


async def to_step(linli: Linli, step: str) -> dict:
    """Start /complain and answer until ``step`` is asked; returns that question."""
    question = await say(linli, "/complain")
    answers: list[tuple[str, Callable[[dict], Any]]] = [
        ("category", lambda q: press(linli, q, "噪音扰民")),
        ("description", lambda q: say(linli, NOISE)),
        ("location", lambda q: say(linli, "幸福小区3号楼2单元")),
        ("photos", lambda q: press(linli, q, "没有照片，继续 »")),
        ("phone", lambda q: press(linli, q, "跳过 »")),
        ("anonymous", lambda q: press(linli, q, "🙋 不匿名，可以显示名字")),
    ]
    for name, answer in answers:
        if name == step:
            return question
        question = await answer(question)
    assert step == "confirm"
    return question


async def test_full_filing_with_a_photo_and_a_location(linli: Linli) -> None:
    question = await say(linli, "/complain")
    assert "请选一个类别" in question["text"]
    assert {"噪音扰民", "环境卫生", "其他", "✖️ 取消"} <= set(button_labels(question))
    question = await press(linli, question, "噪音扰民")
    assert "「噪音扰民」" in question["text"] and "至少 10 个字" in question["text"]
    # The pressed menu is settled (choice shown, buttons gone) once the next step is out.
    await linli.api.wait_for(
        lambda: linli.api.sent_to(RESIDENT_ID)[-2]["text"].endswith("✅ 噪音扰民")
    )
    assert not linli.api.sent_to(RESIDENT_ID)[-2].get("reply_markup")

    question = await say(linli, NOISE)
    assert "问题在哪里" in question["text"]
    act = lambda: linli.api.send_location(linli.resident, 31.2304, 121.4737)  # noqa: E731
    [question] = await bot_answers(linli.api, act)
    assert "照片" in question["text"]
    [received] = await bot_answers(linli.api, lambda: linli.api.send_photo(linli.resident))
    assert "收到第 1 张照片" in received["text"]
    question = await press(linli, received, "照片就这些（1 张），继续 »")
    assert "电话" in question["text"]
    question = await say(linli, "138 1234 5678")
    assert "匿名" in question["text"]
    summary = await press(linli, question, "🙈 匿名")
    for part in ("噪音扰民", NOISE, "31.23040", "照片：1 张", "13812345678", "匿名：是"):
        assert part in summary["text"]

    filed = await press(linli, summary, "✅ 提交")

    [ticket] = await tickets(linli)
    assert f"工单号是：{ticket.number}" in filed["text"] and NUMBER.fullmatch(ticket.number)
    assert f"/ticket {ticket.number}" in filed["text"]
    assert (ticket.category, ticket.description, ticket.phone) == ("noise", NOISE, "13812345678")
    assert (ticket.latitude, ticket.longitude, ticket.anonymous) == (31.2304, 121.4737, True)
    assert len(ticket.photos) == 1 and ticket.location_text is None
    assert await draft(linli) is None
    answer = await say(linli, "低保怎么申请")  # the question path again, not the filing flow
    assert answer["text"].startswith("【最低生活保障")


async def test_bad_input_at_every_step_is_explained_and_changes_nothing(linli: Linli) -> None:
    api, user = linli.api, linli.resident
    question = await to_step(linli, "category")
    assert "请点下面的按钮选一个类别" in (await say(linli, "噪音"))["text"]
    assert (await draft(linli)).category is None

    await press(linli, question, "噪音扰民")
    [refused] = await bot_answers(api, lambda: api.send_sticker(user))
    assert "用文字描述" in refused["text"]
    assert "至少 10 个字，现在只有 3 个字" in (await say(linli, "太吵了"))["text"]
    assert "现在只有 0 个字" in (await say(linli, "   "))["text"]
    too_long = await say(linli, "吵" * 5000)
    assert "最多 2000 字，你发来的有 5000 字" in too_long["text"]
    emoji_only = await say(linli, "😡" * 12)
    assert "请用文字写一写" in emoji_only["text"] and "现在只有" not in emoji_only["text"]
    assert (await draft(linli)).description is None
    await say(linli, NOISE)

    [refused] = await bot_answers(api, lambda: api.send_sticker(user))
    assert "请输入地址，或者发送一个定位" in refused["text"]
    assert "地址太长" in (await say(linli, "路" * 600))["text"]
    for nothing in ("   ", "😀", "📍📍！"):  # no place in it: asked again, not taken
        assert "请输入地址，或者发送一个定位" in (await say(linli, nothing))["text"]
    assert (await draft(linli)).location_text is None
    await say(linli, "幸福小区3号楼2单元")

    for act, expected in (
        (lambda: api.send_sticker(user), "这不是照片"),
        (lambda: api.send_voice(user), "这不是照片"),
        (lambda: api.send_document(user, TINY_PNG, "p.png", "image/png"), "以“照片”方式发送"),
        (lambda: api.send_text(user, "我家楼道"), "这不是照片"),
    ):
        [refused] = await bot_answers(api, act)
        assert expected in refused["text"]
        assert "没有照片，继续 »" in button_labels(refused)  # the way on is offered again
    assert (await draft(linli)).photos == ()
    question = await press(linli, refused, "没有照片，继续 »")

    for wrong in ("12345", "电话是我家的", "238 1234 5678"):
        assert "这个号码好像不对" in (await say(linli, wrong))["text"]
    assert (await draft(linli)).phone is None
    question = await say(linli, "021-62345678")
    assert "请点下面的按钮选择是否匿名" in (await say(linli, "不要"))["text"]
    summary = await press(linli, question, "🙋 不匿名，可以显示名字")
    assert "电话：021-62345678" in summary["text"]
    assert "提交、修改或取消" in (await say(linli, "好的"))["text"]
    assert await tickets(linli) == []


@pytest.mark.parametrize(
    "step", ["category", "description", "location", "photos", "phone", "anonymous", "confirm"]
)
async def test_cancel_works_at_every_step(linli: Linli, step: str) -> None:
    await to_step(linli, step)
    assert (await draft(linli)).step == step
    cancelled = await say(linli, "/cancel")
    assert cancelled["text"].startswith("已取消")
    assert await draft(linli) is None
    assert "没有进行中的事" in (await say(linli, "/cancel"))["text"]
    assert (await say(linli, "低保怎么申请"))["text"].startswith("【最低生活保障")


async def test_the_cancel_button_and_commands_in_the_middle(linli: Linli) -> None:
    question = await to_step(linli, "description")
    help_text = await say(linli, "/help")  # commands keep working mid-filing
    assert "怎么用「邻里」" in help_text["text"]
    assert (await draft(linli)).step == "description"
    resumed = await say(linli, "/complain")
    assert "还没填完" in resumed["text"] and "至少 10 个字" in resumed["text"]
    await press(linli, question, "✖️ 取消")
    assert await draft(linli) is None


async def test_editing_from_the_summary_comes_back_to_it(linli: Linli) -> None:
    summary = await to_step(linli, "confirm")
    choices = await press(linli, summary, "✏️ 修改")
    question = await press(linli, choices, "地点")
    assert "问题在哪里" in question["text"]
    summary = await say(linli, "幸福小区东门垃圾站")
    assert "地点：幸福小区东门垃圾站" in summary["text"] and "✅ 提交" in button_labels(summary)


async def test_a_double_press_on_submit_files_once(linli: Linli) -> None:
    summary = await to_step(linli, "confirm")
    api = linli.api

    def double_press() -> None:
        api.press_button(linli.resident, summary, label="✅ 提交")
        api.press_button(linli.resident, summary, label="✅ 提交")

    filed, again = await bot_answers(api, double_press, count=2)
    assert "已提交" in filed["text"]
    # The second press shows the ticket's number too: after a crash between the ticket's
    # commit and the reply, it is the only way the resident would learn it.
    [ticket] = await tickets(linli)
    assert "已经提交成功了" in again["text"] and ticket.number in again["text"]


async def test_after_a_crash_the_repeated_submit_shows_the_number(linli: Linli) -> None:
    # The ticket was committed, then linli died before replying: the resident presses again.
    summary = await to_step(linli, "confirm")
    ticket = await linli.services.tickets.filing.submit_draft(Actor.in_private(RESIDENT_ID))
    again = await press(linli, summary, "✅ 提交")
    assert "已经提交成功了" in again["text"] and ticket.number in again["text"]
    # Much later, an old summary's button names no ticket: it was filed, or cancelled.
    async with linli.services.db.transaction() as session:
        row = (await session.scalars(select(Ticket))).one()
        row.created_at -= DAY
    late = await press(linli, summary, "✅ 提交")
    assert "已经提交过了" in late["text"] and ticket.number not in late["text"]


async def test_a_similar_open_ticket_is_shown_and_can_be_followed(linli: Linli) -> None:
    svc = linli.services
    await svc.residents.register(200002, 200002, "老李", "zh-hans")
    their_words = NOISE + "，电话13912345678"
    complaint = Complaint("noise", their_words, location_text="幸福小区3号楼2单元501室")
    theirs = (await svc.tickets.filing.file_complaint(Actor.in_private(200002), complaint)).number
    summary = await to_step(linli, "confirm")

    similar = await press(linli, summary, "✅ 提交")
    assert "类似的问题" in similar["text"] and theirs in similar["text"]
    # Someone else's ticket: its category, building and day, never their words or room.
    assert "噪音扰民，幸福小区3号楼，" in similar["text"]
    for private in ("13912345678", "电钻", "2单元", "501"):
        assert private not in similar["text"]
    assert "📝 不是同一件，还是提交我的" in button_labels(similar)
    following = await press(linli, similar, f"👀 就是这件，我关注它（{theirs}）")

    assert f"你已关注工单 {theirs}" in following["text"]
    assert len(await tickets(linli)) == 1 and await draft(linli) is None
    async with svc.db.transaction() as session:
        assert len(list(await session.scalars(select(TicketFollower)))) == 1
    assert theirs in (await say(linli, f"/ticket {theirs}"))["text"]


async def test_words_after_the_building_in_someone_elses_place_are_not_shown(
    linli: Linli,
) -> None:
    """The place of another resident's ticket is shown cut to its building (the similar
    tickets before filing, and /ticket once followed): not who lives there or their
    contacts, typed after the building."""
    svc = linli.services
    await svc.residents.register(200002, 200002, "老李", "zh-hans")
    place = "幸福小区3号楼 张伟家楼上 微信zw1234 王阿姨"
    complaint = Complaint("noise", NOISE, location_text=place)
    theirs = (await svc.tickets.filing.file_complaint(Actor.in_private(200002), complaint)).number
    similar = await press(linli, await to_step(linli, "confirm"), "✅ 提交")
    assert "噪音扰民，幸福小区3号楼，" in similar["text"]
    await press(linli, similar, f"👀 就是这件，我关注它（{theirs}）")
    followed = await say(linli, f"/ticket {theirs}")
    assert "地点：幸福小区3号楼\n" in followed["text"]
    for private in ("张伟", "微信", "zw", "王阿姨"):
        assert private not in similar["text"] and private not in followed["text"]


async def test_filing_anyway_despite_a_similar_ticket(linli: Linli) -> None:
    svc = linli.services
    await svc.residents.register(200002, 200002, "老李", "zh-hans")
    await svc.tickets.filing.file_complaint(
        Actor.in_private(200002), Complaint("noise", NOISE, location_text="3号楼")
    )
    similar = await press(linli, await to_step(linli, "confirm"), "✅ 提交")
    filed = await press(linli, similar, "📝 不是同一件，还是提交我的")
    assert "已提交" in filed["text"] and len(await tickets(linli)) == 2


async def test_a_restart_mid_filing_resumes_and_idle_drafts_expire(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3"
    async with BotApiServer() as api:
        user = api.user(RESIDENT_ID, "小王", language_code="zh-hans")
        services = await open_services(url, None, "zh-Hans", knowledge=live_knowledge)
        linli = Linli(api, services, user, user, user, api.group(STAFF_CHAT_ID))
        application = build_application(
            services, token=api.token, api_url=api.url, overall_rate=0, delivery=FAST_DELIVERY
        )
        async with running(application, poll_timeout=1):
            await to_step(linli, "location")
        await linli.services.close()

        # After the restart the services' clock (the delivery worker's too) runs 40 minutes
        # behind while the resident types, then catches up: the draft is idle long enough.
        clock = ShiftedClock(timedelta(minutes=-40))
        linli.services = await open_services(
            url, None, "zh-Hans", clock=clock, knowledge=live_knowledge
        )
        application = build_application(
            linli.services, token=api.token, api_url=api.url, overall_rate=0, delivery=FAST_DELIVERY
        )
        async with running(application, poll_timeout=1):
            question = await say(linli, "幸福小区3号楼2单元")  # not a Q&A question: a place
            assert "照片" in question["text"]
            assert (await draft(linli)).description == NOISE

            clock.offset = timedelta(0)
            assert await expire_filing_drafts(linli.services)(clock()) == (RESIDENT_ID,)
            await api.wait_for(lambda: "清掉" in api.last_message(RESIDENT_ID)["text"])
            assert await draft(linli) is None
            assert (await say(linli, "低保怎么申请"))["text"].startswith("【最低生活保障")
        async with linli.services.db.transaction() as session:
            [expired] = list(await session.scalars(select(OutboxMessage)))
        assert expired.message_key == "filing.expired"
        await linli.services.close()


async def test_complain_button_under_a_complaint_answer_skips_the_category(linli: Linli) -> None:
    answer = await say(linli, "楼上噪音扰民怎么办")
    question = await press(linli, answer, "📝 我要投诉")
    assert "「噪音扰民」" in question["text"] and "至少 10 个字" in question["text"]
    assert (await draft(linli)).category == "noise"


async def test_words_typed_at_the_category_step_become_the_description(linli: Linli) -> None:
    question = await to_step(linli, "category")
    kept = await say(linli, "楼下烧烤店油烟太大了")
    assert kept["text"].startswith("你说的情况我记下了。它属于哪一类？请点下面的按钮选一个类别")
    assert "噪音扰民" in button_labels(kept)  # the category buttons, to choose for it
    assert (await draft(linli)).description == "楼下烧烤店油烟太大了"
    await say(linli, "每天晚上十点以后")  # a second message adds to it
    assert (await draft(linli)).description == "楼下烧烤店油烟太大了\n每天晚上十点以后"
    place = await press(linli, question, "污染")
    assert place["text"].startswith("你前面说的情况已经记下，不用再写一遍")
    assert "问题在哪里" in place["text"]  # not asked for the description again
    assert ((await draft(linli)).category, (await draft(linli)).step) == ("pollution", "location")


async def test_the_fifth_photo_moves_on_by_itself(linli: Linli) -> None:
    await to_step(linli, "photos")
    for count in range(1, 5):
        [got] = await bot_answers(linli.api, lambda: linli.api.send_photo(linli.resident))
        assert f"收到第 {count} 张照片" in got["text"]
    [question] = await bot_answers(linli.api, lambda: linli.api.send_photo(linli.resident))
    assert question["text"].startswith("最多 5 张照片，已经够了。\n\n")
    assert "电话" in question["text"]
    assert len((await draft(linli)).photos) == 5
    # At the phone step a sixth photo is not "a wrong number".
    [sixth] = await bot_answers(linli.api, lambda: linli.api.send_photo(linli.resident))
    assert sixth["text"] == "最多 5 张照片，已经够了。"
    assert len((await draft(linli)).photos) == 5
    [voice] = await bot_answers(linli.api, lambda: linli.api.send_voice(linli.resident))
    assert voice["text"].startswith("这一步需要电话号码，请用文字输入")
    assert (await draft(linli)).step == "phone"


async def test_an_english_resident_typing_a_chinese_address_stays_in_english(
    linli: Linli,
) -> None:
    """An address is written as it is in China, in Chinese: it says nothing about the
    resident's own language, so the complaint's next steps stay in English."""
    await linli.services.residents.register(RESIDENT_ID, RESIDENT_ID, "Wang", "en")
    await linli.services.residents.set_language(RESIDENT_ID, "en")
    question = await say(linli, "/complain")
    question = await press(linli, question, "Noise")
    question = await say(linli, "Upstairs neighbours drill every night after 11pm")
    assert "Where is it?" in question["text"]
    question = await say(linli, "幸福小区3号楼2单元")
    assert "If you have photos" in question["text"], question["text"]
    assert (await draft(linli)).location_text == "幸福小区3号楼2单元"


async def test_the_list_of_parts_to_change_is_settled_once_one_is_chosen(linli: Linli) -> None:
    """The list "想改哪一项？" shows the part chosen and loses its buttons, as every answered
    step does (they stayed, and a second tap said the step was over)."""
    summary = await to_step(linli, "confirm")
    which = await press(linli, summary, "✏️ 修改")
    asked = await press(linli, which, "情况描述")
    assert "请把情况说清楚" in asked["text"]

    def settled() -> bool:
        shown = linli.api.world.messages[(RESIDENT_ID, which["message_id"])]
        return shown["text"].endswith("✅ 情况描述") and not shown.get("reply_markup")

    await linli.api.wait_for(settled)


def photo(linli: Linli, caption: str | None = None) -> Callable[[], Any]:
    return lambda: linli.api.send_photo(linli.resident, caption=caption)


async def test_a_photo_with_words_under_it_answers_the_description_step(linli: Linli) -> None:
    """Residents often begin with a picture of the problem and a few words under it (an
    album: its first photo carries the caption): the words are the description, every
    picture is kept, and the place is asked next."""
    await to_step(linli, "description")
    [question] = await bot_answers(linli.api, photo(linli, NOISE))
    assert "问题在哪里" in question["text"]
    [again] = await bot_answers(linli.api, photo(linli))  # the album's second picture
    assert again["text"].startswith("照片收到了（第 2 张，最多 5 张）。\n请输入地址")
    kept = await draft(linli)
    assert (kept.step, kept.description, len(kept.photos)) == ("location", NOISE, 2)
    question = await say(linli, "幸福小区3号楼2单元")
    assert "收到第" not in question["text"] and "照片" in question["text"]
    assert len((await draft(linli)).photos) == 2


async def test_a_photo_before_the_words_is_kept_and_the_words_asked_for(linli: Linli) -> None:
    await to_step(linli, "description")
    [got] = await bot_answers(linli.api, photo(linli))
    assert got["text"].startswith("照片收到了（第 1 张，最多 5 张）。\n也请用文字说一说情况")
    [short] = await bot_answers(linli.api, photo(linli, "太吵了"))
    assert short["text"].startswith("照片收到了（第 2 张，最多 5 张）。\n再多写几句吧")
    kept = await draft(linli)
    assert (kept.step, kept.description, len(kept.photos)) == ("description", None, 2)
    question = await say(linli, NOISE)
    assert "问题在哪里" in question["text"]
    assert len((await draft(linli)).photos) == 2


async def test_words_on_a_photo_at_the_photo_step_join_the_description(linli: Linli) -> None:
    await to_step(linli, "photos")
    [got] = await bot_answers(linli.api, photo(linli, "这是晚上十一点半拍的"))
    assert got["text"] == (
        "收到第 1 张照片（最多 5 张）。还有就继续发，没有了就点下面的按钮。\n"
        "照片上写的话已经加进情况描述。"
    )
    said = f"{NOISE}\n这是晚上十一点半拍的"
    assert (await draft(linli)).description == said
    # A caption is at most 1,024 characters; a description near its 2,000 has no room.
    said = f"{said}\n{'吵' * 1900}"
    await linli.services.tickets.filing.update_draft(
        Actor.in_private(RESIDENT_ID), description=said
    )
    [long] = await bot_answers(linli.api, photo(linli, "吵" * 200))
    assert "照片上写的话没能加进情况描述：描述最多 2000 字" in long["text"]
    kept = await draft(linli)
    assert kept.description == said and len(kept.photos) == 2
    summary = await press(linli, long, "照片就这些（2 张），继续 »")
    summary = await press(linli, summary, "跳过 »")
    summary = await press(linli, summary, "🙋 不匿名，可以显示名字")
    await press(linli, summary, "✅ 提交")
    [ticket] = await tickets(linli)
    assert ticket.description == said and len(ticket.photos) == 2


async def test_typing_none_at_the_photo_and_phone_steps_moves_on(linli: Linli) -> None:
    """Older residents type 没有 rather than look for the button under the question."""
    await to_step(linli, "photos")
    question = await say(linli, "没有")
    assert "电话" in question["text"]
    question = await say(linli, "不留")
    assert "匿名" in question["text"]
    kept = await draft(linli)
    assert (kept.step, kept.photos, kept.phone) == ("anonymous", (), None)
