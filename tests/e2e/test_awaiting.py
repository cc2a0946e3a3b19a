"""One person, two flows: the one asked last takes their typed messages, the other is set
aside with a word, and /cancel ends whichever is owed."""

from __future__ import annotations

from services.access import Actor
from tests.e2e.conftest import Linli
from tests.e2e.test_broadcast import OFFICIAL_ID, WATER, expect, official, write


async def test_broadcasting_mid_complaint_sets_the_complaint_aside(linli: Linli) -> None:
    boss = await official(linli)
    await write(linli, boss, "/complain", "类别")
    await linli.services.tickets.filing.update_draft(
        Actor.in_private(OFFICIAL_ID), category="noise", step="description"
    )

    await write(linli, boss, "/broadcast", "第 1 步")
    told = await expect(linli, boss, "投诉先替你保存着")
    assert "/complain" in told["text"]
    # The typed text is the notice now, not the complaint's description.
    await write(linli, boss, WATER, "第 2 步")
    assert (
        await linli.services.tickets.filing.get_draft(Actor.in_private(OFFICIAL_ID))
    ).description is None
    assert await linli.services.notices.open_draft(OFFICIAL_ID) is not None

    # /complain takes the typed messages back; the notice waits, saved, for /broadcast.
    await write(linli, boss, "/complain", "通知先保存着")
    await write(linli, boss, "楼上每天晚上十一点以后还在装修", "在哪里")
    draft = await linli.services.tickets.filing.get_draft(Actor.in_private(OFFICIAL_ID))
    assert draft is not None and draft.description == "楼上每天晚上十一点以后还在装修"

    await write(linli, boss, "/cancel", "已取消")
    assert await linli.services.tickets.filing.get_draft(Actor.in_private(OFFICIAL_ID)) is None
    assert await linli.services.notices.open_draft(OFFICIAL_ID) is not None  # untouched
    answer = await write(linli, boss, "低保怎么申请", "最低生活保障")  # nothing owed: a question
    assert answer["text"].startswith("【最低生活保障")


async def test_cancel_with_nothing_owed_says_so(linli: Linli) -> None:
    await write(linli, linli.resident, "/cancel", "不需要取消")
