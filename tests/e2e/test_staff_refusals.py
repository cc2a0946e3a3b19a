"""Staff commands the desk refuses say why in the staff chat's own words, never in the
service's English (found by trying /merge and /assign with bad targets in the console)."""

from __future__ import annotations

import re

from services.access import Actor
from tests.e2e.conftest import STAFF_CHAT_ID
from tests.e2e.staff_support import RESIDENT_ID, STAFF_ID, Desk, desk

__all__ = ["desk"]  # the fixture

_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def chinese_only(text: str) -> bool:
    """No English words (commands such as /merge aside)."""
    return not _LATIN_WORD.search(re.sub(r"/\w+", "", text))


async def test_merge_into_a_finished_ticket_or_itself_is_refused_in_words(desk: Desk) -> None:
    done, duplicate = await desk.file(), await desk.file()
    await desk.say(f"/accept {done}")
    await desk.say(f"/resolve {done} 已处理")
    [finished] = await desk.say(f"/merge {duplicate} {done}")
    assert finished["text"] == f"不能合并到工单 {done}：它现在是「已办结，等待居民评价」。"
    [itself] = await desk.say(f"/merge {duplicate} {duplicate}")
    assert itself["text"] == f"工单 {duplicate} 不能合并到它自己。"
    assert chinese_only(finished["text"]) and chinese_only(itself["text"])
    assert await desk.status(duplicate) == "new"


async def test_assign_to_someone_without_a_staff_role_is_refused_in_words(desk: Desk) -> None:
    number = await desk.file()
    [answer] = await desk.say(f"/assign {number} {RESIDENT_ID}")
    expected = f"{RESIDENT_ID} 不是工作人员，不能分派。请点工单卡片上的「👥 分派」从名单里选。"
    assert answer["text"] == expected
    [unknown] = await desk.say(f"/assign {number} 999")
    assert unknown["text"].startswith("999 不是工作人员")
    ticket = await desk.services.tickets.staff.get_ticket_for_staff(
        Actor(STAFF_ID, STAFF_CHAT_ID), number
    )
    assert ticket.assignee_telegram_id is None


async def test_a_number_typed_full_width_or_without_its_dash_is_understood(desk: Desk) -> None:
    number = await desk.file()
    wide = number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    [accepted] = await desk.say(f"/accept {wide}")
    assert accepted["text"] == f"#{number} 已受理，由你负责。"
    [noted] = await desk.say(f"/note {number.replace('-', '')} 已电话联系")
    assert noted["text"] == f"工单 {number} 的内部备注已记录（居民看不到）。"
