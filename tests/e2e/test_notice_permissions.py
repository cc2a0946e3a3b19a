"""Every official command refuses residents and staff clearly, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from services.notices.bulletins import BulletinSpec, parse_weekday
from services.notices.subscriptions import parse_clock
from services.notices.views import OPERATOR, Audience
from tests.e2e.conftest import Linli

OFFICIAL_ID = 300001
COMMANDS = (
    ("/broadcast", "发布通知只对"),
    ("/broadcast 明天停水", "发布通知只对"),
    ("/notices", "通知记录只对"),
    ("/cancel_notice", "通知记录只对"),
    ("/cancel_notice {notice}", "通知记录只对"),
    ("/bulletins", "定期公告只对"),
    ("/bulletin_add", "定期公告只对"),
    ("/bulletin_add every=daily at=09:00 今日办结 {{resolved}} 件", "定期公告只对"),
    ("/bulletin_remove", "定期公告只对"),
    ("/bulletin_remove {bulletin}", "定期公告只对"),
)


async def setup(linli: Linli) -> dict[str, int]:
    """An official's scheduled notice and a bulletin, for the refused to aim at."""
    await linli.services.residents.grant_role(OFFICIAL_ID, "official")
    notices = linli.services.notices
    draft = await notices.create_draft(OFFICIAL_ID, "下周一上午社区开放日。")
    bulletin = await linli.services.bulletins.add(
        OPERATOR,
        BulletinSpec(
            name="每周居务公开",
            recurrence="weekly",
            at=parse_clock("09:00"),
            weekday=parse_weekday("mon"),
            audience=Audience.topic("disclosure"),
            template="本周受理 {received} 件。",
        ),
    )
    return {"notice": draft.id, "bulletin": bulletin.id}


@pytest.mark.parametrize("who", ["resident", "staff"])
async def test_official_commands_refuse_others(linli: Linli, who: str) -> None:
    ids = await setup(linli)
    user: dict[str, Any] = linli.resident if who == "resident" else linli.staff
    for command, refusal in COMMANDS:
        (reply,) = await linli.say(user, command.format(**ids))
        assert refusal in reply["text"], (command, reply["text"])
    # Nothing changed: no draft for them, the notice is still a draft, the bulletin is there.
    assert (await linli.services.notices.get(OFFICIAL_ID, ids["notice"])).status == "draft"
    assert [b.id for b in await linli.services.bulletins.list_bulletins(OPERATOR)] == [
        ids["bulletin"]
    ]
    listed = await linli.services.notices.list_notices(OFFICIAL_ID)
    assert {n.author_telegram_id for n in listed} == {OFFICIAL_ID}


async def test_a_resident_after_broadcast_is_not_composing(linli: Linli) -> None:
    """A refused /broadcast does not swallow the resident's next message."""
    await linli.say(linli.resident, "/broadcast")
    (answer,) = await linli.say(linli.resident, "怎么办理居住证")
    assert "步" not in answer["text"] and "居住证" in answer["text"]
    await linli.services.residents.grant_role(OFFICIAL_ID, "official")
    assert await linli.services.notices.list_notices(OFFICIAL_ID) == []
