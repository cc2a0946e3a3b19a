"""The resident's tickets after filing, end to end: /mytickets, /ticket (own, someone else's,
malformed), follow-ups by command and by reply, the rating that reopens or closes, and
"ask a person" turning an unanswered question into an enquiry."""

from __future__ import annotations

from sqlalchemy import select

from handlers.filing.render import outbox_params
from handlers.i18n import t
from services.access import Actor
from services.tickets import Complaint
from storage.models import OutboxMessage, Ticket, TicketEvent
from tests.e2e.conftest import RESIDENT_ID, STAFF_CHAT_ID, STAFF_ID, Linli
from tests.e2e.test_filing import NOISE, bot_answers, press, say, tickets
from tests.fakes.bot_api import button_labels

NEIGHBOUR_ID = 200002
COMPLAINT = Complaint("noise", NOISE, location_text="幸福小区3号楼2单元")


async def file(linli: Linli, who: int = RESIDENT_ID) -> str:
    await linli.services.residents.register(who, who, f"居民{who}", "zh-hans")
    return (
        await linli.services.tickets.filing.file_complaint(Actor.in_private(who), COMPLAINT)
    ).number


async def follow(linli: Linli, number: str) -> None:
    """The resident starts filing the same noise and follows ``number`` instead ("me too")."""
    filing = linli.services.tickets.filing
    await linli.services.residents.register(RESIDENT_ID, RESIDENT_ID, "小王", "zh-hans")
    await filing.start_draft(Actor.in_private(RESIDENT_ID))
    await filing.update_draft(
        Actor.in_private(RESIDENT_ID), category="noise", description="楼上每天晚上都在装修"
    )
    await filing.follow_ticket(Actor.in_private(RESIDENT_ID), number)


async def staff_messages(linli: Linli) -> list[OutboxMessage]:
    async with linli.services.db.transaction() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.chat_id == STAFF_CHAT_ID)
        return list(await session.scalars(stmt.order_by(OutboxMessage.id)))


async def events(linli: Linli, kind: str) -> list[TicketEvent]:
    async with linli.services.db.transaction() as session:
        stmt = select(TicketEvent).where(TicketEvent.kind == kind)
        return list(await session.scalars(stmt))


async def test_mytickets_lists_own_tickets_only(linli: Linli) -> None:
    assert "还没有提交过" in (await say(linli, "/mytickets"))["text"]
    mine = await file(linli)
    theirs = await file(linli, NEIGHBOUR_ID)
    listing = (await say(linli, "/mytickets"))["text"]
    assert f"• {mine} · 噪音扰民 · 已提交，等待受理 · 刚刚" in listing
    assert theirs not in listing
    assert listing.endswith(f"比如 /ticket {mine}。")  # the example is their own number


async def test_mytickets_lists_followed_tickets_apart_without_anyones_words(
    linli: Linli,
) -> None:
    theirs = await file(linli, NEIGHBOUR_ID)
    await follow(linli, theirs)
    listing = (await say(linli, "/mytickets"))["text"]
    assert listing.startswith(
        f"你关注的工单（别人提交的，有进展会通知你）：\n• {theirs} · 噪音扰民 · 已提交，等待受理"
    )
    mine = await file(linli)
    listing = (await say(linli, "/mytickets"))["text"]
    assert listing.index(mine) < listing.index("\n\n你关注的工单") < listing.index(theirs)
    assert NOISE not in listing and "幸福小区" not in listing


async def test_a_follower_hears_a_resolved_ticket_without_being_asked_to_confirm_it(
    linli: Linli,
) -> None:
    theirs = await file(linli, NEIGHBOUR_ID)
    await follow(linli, theirs)
    staff = linli.services.tickets.staff
    await staff.accept(Actor(STAFF_ID, STAFF_CHAT_ID), theirs)
    await staff.resolve(Actor(STAFF_ID, STAFF_CHAT_ID), theirs)
    heard = await linli.api.wait_for(
        lambda: [m for m in linli.api.sent_to(RESIDENT_ID) if "已处理完毕" in m.get("text", "")]
    )
    assert heard[0]["text"].startswith(f"🔔 你关注的工单 {theirs} 有新进展：已处理完毕。")
    assert "等你确认" not in heard[0]["text"] and not button_labels(heard[0])
    for shown in (
        (await say(linli, "/mytickets"))["text"],
        (await say(linli, f"/ticket {theirs}"))["text"],
    ):
        assert "已处理完毕" in shown and "等你确认" not in shown
    linli.api.send_text(linli.resident, "/mydata")
    data = await linli.api.wait_for(
        lambda: [
            m for m in linli.api.sent_to(RESIDENT_ID) if "你关注的工单：1 件" in m.get("text", "")
        ]
    )
    assert f"• {theirs} · 已处理完毕" in data[0]["text"] and "等你确认" not in data[0]["text"]
    async with linli.services.db.transaction() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.telegram_id == NEIGHBOUR_ID)
        owner = [m for m in await session.scalars(stmt) if m.message_key == "ticket.rate_request"]
    assert owner and owner[0].buttons  # the filer alone confirms or says it is not solved


async def test_ticket_shows_own_and_hides_everything_else(linli: Linli) -> None:
    mine = await file(linli)
    theirs = await file(linli, NEIGHBOUR_ID)
    detail = (await say(linli, f"/ticket {mine}"))["text"]
    for part in (f"工单 {mine} · 噪音扰民", "状态：已提交，等待受理", NOISE, "幸福小区3号楼2单元"):
        assert part in detail
    assert "你 · 已提交，等待受理" in detail
    for wrong in (theirs, "2611-9999", "abc", "12345678901234567890123"):
        assert "没有找到工单" in (await say(linli, f"/ticket {wrong}"))["text"]
    assert "请在命令后面写上工单号" in (await say(linli, "/ticket"))["text"]


async def test_a_rejected_ticket_reads_as_declined_not_as_waiting(linli: Linli) -> None:
    number = await file(linli)
    await linli.services.tickets.staff.reject(
        Actor(STAFF_ID, STAFF_CHAT_ID), number, "属于物业合同纠纷，请找物业公司"
    )
    await linli.api.wait_for(  # told first, with the reason
        lambda: [m for m in linli.api.sent_to(RESIDENT_ID) if "没有被受理" in m["text"]]
    )
    listing = (await say(linli, "/mytickets"))["text"]
    assert f"{number} · 噪音扰民 · 不予受理" in listing  # 未受理 read as "not yet taken up"
    detail = (await say(linli, f"/ticket {number}"))["text"]
    assert "不予受理的原因：属于物业合同纠纷，请找物业公司" in detail


async def test_staff_asking_in_private_for_a_ticket_not_theirs_are_sent_to_the_desk(
    linli: Linli,
) -> None:
    theirs = await file(linli, NEIGHBOUR_ID)
    await linli.services.residents.grant_role(RESIDENT_ID, "official")
    answer = (await say(linli, f"/ticket {theirs}"))["text"]
    assert f"请在工作群里发送 /ticket {theirs}" in answer
    assert NOISE not in answer  # the ticket itself is shown at the desk only


async def test_followup_by_command_and_by_reply(linli: Linli) -> None:
    mine = await file(linli)
    theirs = await file(linli, NEIGHBOUR_ID)
    assert "用法" in (await say(linli, f"/followup {mine}"))["text"]
    sent = await say(linli, f"/followup {mine} 今天晚上十二点又开始了")
    assert f"已转给负责工单 {mine} 的工作人员" in sent["text"]
    assert "没有找到工单" in (await say(linli, f"/followup {theirs} 我也听到了"))["text"]

    detail = await say(linli, f"/ticket {mine}")
    sent = await say(linli, "还有周末早上七点也在敲", reply_to=detail)
    assert f"已转给负责工单 {mine} 的工作人员" in sent["text"]
    assert [e.public_message for e in await events(linli, "followup")] == [
        "今天晚上十二点又开始了",
        "还有周末早上七点也在敲",
    ]


async def test_not_solved_reopens_with_the_comment(linli: Linli) -> None:
    svc = linli.services.tickets
    number = await file(linli)
    await svc.staff.accept(Actor(STAFF_ID, STAFF_CHAT_ID), number)
    await svc.staff.resolve(
        Actor(STAFF_ID, STAFF_CHAT_ID), number, "已经和楼上住户沟通，晚上不再施工"
    )
    request = await linli.api.wait_for(
        lambda: next(
            (m for m in linli.api.sent_to(RESIDENT_ID) if "👎 没解决" in button_labels(m)), None
        )
    )
    assert number in request["text"] and "已经和楼上住户沟通" in request["text"]

    scores = await bot_edit(linli, request, "👎 没解决")
    assert "请给这次处理打个分" in scores["text"]
    ask = await bot_edit(linli, scores, "2 ⭐")
    assert "哪里还没解决" in ask["text"] and button_labels(ask) == ["不用了"]
    # The rating counts with the press: reopened at once, the words are optional.
    assert any(f"工单 {number} 已重新打开" in m["text"] for m in linli.api.sent_to(RESIDENT_ID))
    ticket = await one_ticket(linli)
    assert (ticket.status, ticket.rating_solved, ticket.rating_score) == ("reopened", False, 2)
    passed_on = await say(linli, "昨晚十一点半还在钻墙")

    assert f"已经转给工作人员（工单 {number}）" in passed_on["text"]
    assert (await one_ticket(linli)).rating_comment == "昨晚十一点半还在钻墙"
    followups = [
        (m.message_key, m.params.get("text"))
        for m in await staff_messages(linli)
        if m.message_key == "staff.followup"
    ]
    assert followups == [("staff.followup", "昨晚十一点半还在钻墙")]
    # The next message is a question again, not a second comment.
    assert (await say(linli, "低保怎么申请"))["text"].startswith("【最低生活保障")


async def test_solved_without_comment_closes_and_rating_twice_is_refused(linli: Linli) -> None:
    svc = linli.services.tickets
    number = await file(linli)
    await svc.staff.accept(Actor(STAFF_ID, STAFF_CHAT_ID), number)
    await svc.staff.resolve(Actor(STAFF_ID, STAFF_CHAT_ID), number)
    request = await linli.api.wait_for(
        lambda: next(
            (m for m in linli.api.sent_to(RESIDENT_ID) if "👍 解决了" in button_labels(m)), None
        )
    )
    scores = await bot_edit(linli, request, "👍 解决了")

    def double_press() -> None:
        linli.api.press_button(linli.resident, scores, label="5 ⭐")
        linli.api.press_button(linli.resident, scores, label="5 ⭐")

    thanks, again = await bot_answers(linli.api, double_press, count=2)
    assert f"工单 {number} 已办结" in thanks["text"]
    assert f"工单 {number} 已经评价过了" in again["text"]
    ask = await linli.api.wait_for(
        lambda: next(
            (m for m in linli.api.sent_to(RESIDENT_ID) if "不用了" in button_labels(m)), None
        )
    )
    done = await bot_edit(linli, ask, "不用了")
    assert done["text"] == "已评价：5 分" and not button_labels(done)
    ticket = await one_ticket(linli)
    assert (ticket.status, ticket.rating_score, ticket.rating_comment) == ("closed", 5, None)
    assert len(await events(linli, "rating")) == 1
    # Nothing is awaited any more: the next text is a question.
    assert (await say(linli, "低保怎么申请"))["text"].startswith("【最低生活保障")


async def bot_edit(linli: Linli, message: dict, label: str) -> dict:
    """Press a button that makes the bot edit that same message; return it as edited."""
    before = message["text"]
    linli.api.press_button(linli.resident, message, label=label)

    def edited() -> dict | None:
        now = next(
            m for m in linli.api.sent_to(RESIDENT_ID) if m["message_id"] == message["message_id"]
        )
        return now if now["text"] != before else None

    return await linli.api.wait_for(edited)


async def one_ticket(linli: Linli) -> Ticket:
    async with linli.services.db.transaction() as session:
        return (await session.scalars(select(Ticket))).one()


def test_resident_outbox_messages_read_well_with_the_worker_hook() -> None:
    params = {"number": "2611-0007", "status": "in_progress", "message": "明天上午上门"}
    shown = outbox_params("ticket.status_changed", "zh-Hans", params)
    assert t("zh-Hans", "ticket.status_changed", **shown) == (
        "🔔 你的工单 2611-0007 有新进展：正在处理。\n"
        "社区工作人员说：明天上午上门\n"
        "发送 /ticket 2611-0007 查看全部进展。"
    )
    english = outbox_params("ticket.rate_request", "en", {**params, "status": "resolved"})
    assert "done, waiting for your confirmation" not in t("en", "ticket.rate_request", **english)
    assert english["status"] == "done, waiting for your confirmation"
    assert outbox_params("staff.card", "zh-Hans", params) == params  # not ours: unchanged
    for language in ("zh-Hans", "zh-Hant", "en"):
        for key in ("ticket.rejected", "ticket.merged", "ticket.staff_reply"):
            text = t(language, key, number="2611-0007", reason="不属于社区职责", into="2611-0001",
                     message="已联系物业")  # fmt: skip
            assert "2611-0007" in text and "{" not in text


async def test_a_reply_to_a_list_of_tickets_asks_which_one(linli: Linli) -> None:
    await file(linli)
    await file(linli)
    listing = await say(linli, "/mytickets")
    which = await say(linli, "还是很吵", reply_to=listing)
    assert "好几个工单号" in which["text"]
    assert await events(linli, "followup") == []


async def test_ask_a_person_turns_an_unanswered_question_into_an_enquiry(linli: Linli) -> None:
    none_answer = await say(linli, "明天天气怎么样")
    assert "🙋 请工作人员回答" in button_labels(none_answer)
    filed = await press(linli, none_answer, "🙋 请工作人员回答")
    [ticket] = await tickets(linli)
    assert (ticket.category, ticket.description) == ("enquiry", "明天天气怎么样")
    assert f"咨询单号：{ticket.number}" in filed["text"]
    again = await press(linli, none_answer, "🙋 请工作人员回答")
    assert f"已经转给工作人员了（咨询单号 {ticket.number}）" in again["text"]
    assert len(await tickets(linli)) == 1


async def test_complain_button_under_a_none_answer_starts_filing(linli: Linli) -> None:
    none_answer = await say(linli, "明天天气怎么样")
    question = await press(linli, none_answer, "📝 我要投诉或反映问题")
    assert "请选一个类别" in question["text"]


async def test_a_finished_ticket_does_not_invite_follow_ups(linli: Linli) -> None:
    rejected, still_open = await file(linli), await file(linli)
    await linli.services.tickets.staff.reject(
        Actor(STAFF_ID, STAFF_CHAT_ID), rejected, "不属于社区管理范围"
    )
    await linli.api.wait_for(  # the rejection is delivered first, so it is not taken for an answer
        lambda: next((m for m in linli.api.sent_to(RESIDENT_ID) if "原因" in m["text"]), None)
    )
    detail = (await say(linli, f"/ticket {rejected}"))["text"]
    assert "/followup" not in detail  # a follow-up would only be refused
    assert "不能再补充" in (await say(linli, f"/followup {rejected} 还在吵"))["text"]
    assert f"/followup {still_open}" in (await say(linli, f"/ticket {still_open}"))["text"]


async def resolved(linli: Linli, number: str) -> dict:
    """Staff accept and resolve the ticket; returns the rating request the resident gets."""
    await linli.services.tickets.staff.accept(Actor(STAFF_ID, STAFF_CHAT_ID), number)
    await linli.services.tickets.staff.resolve(Actor(STAFF_ID, STAFF_CHAT_ID), number)
    return await linli.api.wait_for(
        lambda: next(
            (m for m in linli.api.sent_to(RESIDENT_ID)[::-1]
             if number in m["text"] and "👎 没解决" in button_labels(m)),
            None,
        )
    )  # fmt: skip


async def test_the_latest_question_gets_the_text_between_filing_and_a_rating(linli: Linli) -> None:
    svc = linli.services.tickets
    number = await file(linli)
    request = await resolved(linli, number)
    await say(linli, "/complain")  # a new complaint left at its first step
    await bot_edit(linli, await bot_edit(linli, request, "👎 没解决"), "2 ⭐")
    # The comment was asked for last: the text is the comment, not a filing answer.
    passed_on = await say(linli, "还是很吵，根本没人来过")
    assert f"已经转给工作人员（工单 {number}）" in passed_on["text"]
    assert (
        await svc.staff.get_ticket_for_staff(Actor(STAFF_ID, STAFF_CHAT_ID), number)
    ).rating_comment == "还是很吵，根本没人来过"
    assert (await svc.filing.get_draft(Actor.in_private(RESIDENT_ID))) is not None  # still there

    second = await file(linli)
    await bot_edit(linli, await bot_edit(linli, await resolved(linli, second), "👍 解决了"), "4 ⭐")
    # Another command: the resident moved on, the words are no longer awaited (the rating
    # is in), and the text goes to the draft.
    question = await say(linli, "/complain")
    assert "请选一个类别" in question["text"]
    assert "请点下面的按钮选一个类别" in (await say(linli, "楼道灯坏了"))["text"]
    assert (
        await svc.staff.get_ticket_for_staff(Actor(STAFF_ID, STAFF_CHAT_ID), second)
    ).status == "closed"


async def test_a_number_typed_with_a_chinese_input_method_is_found(linli: Linli) -> None:
    number = await file(linli)  # 2611-0001
    wide = number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    for typed in (wide, f"#{number}", number.replace("-", "")):
        detail = (await say(linli, f"/ticket {typed}"))["text"]
        assert detail.startswith(f"工单 {number} · 噪音扰民"), typed
    sent = await say(linli, f"/followup {wide} 今晚又开始了")
    assert f"已转给负责工单 {number} 的工作人员" in sent["text"]
    assert "没有找到工单" in (await say(linli, "/ticket 2611-1"))["text"]
