"""Broadcast drafts left idle are discarded and their authors told once; every compose step
keeps a draft alive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services.errors import InvalidInput
from services.notices.broadcasts import NoticeService
from services.notices.views import Audience
from storage import Database
from storage.models import OutboxMessage, Resident
from storage.repositories.residents import set_resident_language
from tests.services.conftest import ADMIN, OFFICIAL, Clock, add_people

IDLE = timedelta(minutes=60)


@pytest.fixture
async def office(database: Database) -> tuple[Clock, NoticeService]:
    """The notice service on SQLite and PostgreSQL, with officials registered."""
    await add_people(database)
    clock = Clock()
    return clock, NoticeService(database, clock)


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_an_idle_draft_is_discarded_and_its_author_told_once(
    office: tuple[Clock, NoticeService], database: Database
) -> None:
    clock, notices = office
    async with database.transaction() as session:
        await set_resident_language(session, OFFICIAL, "zh-Hant")
    idle = await notices.create_draft(OFFICIAL, "明天上午停水")
    clock.advance(minutes=30)
    recent = await notices.create_draft(ADMIN, "周六义诊")
    clock.advance(minutes=31)  # OFFICIAL's draft untouched for 61 minutes, ADMIN's for 31

    assert await notices.expire_drafts(clock.now, IDLE) == (OFFICIAL,)

    [message] = await outbox(database)
    assert (message.telegram_id, message.message_key, message.params, message.language) == (
        OFFICIAL,
        "broadcast.expired",
        {"minutes": 60},
        "zh-Hant",
    )
    assert message.notice_id is None  # not one of a notice's deliveries: figures unchanged
    discarded = await notices.get(OFFICIAL, idle.id)
    assert (discarded.status, discarded.cancelled_at, discarded.figures.total) == (
        "cancelled",
        clock.now,
        0,
    )
    assert (await notices.get(ADMIN, recent.id)).status == "draft"
    assert await notices.open_draft(ADMIN) == recent.id
    assert await notices.open_draft(OFFICIAL) is None
    with pytest.raises(InvalidInput):  # an old preview's "send" button
        await notices.confirm(OFFICIAL, idle.id)

    assert await notices.expire_drafts(clock.now, IDLE) == ()
    assert len(await outbox(database)) == 1


async def test_every_compose_step_keeps_a_draft_alive(office: tuple[Clock, NoticeService]) -> None:
    clock, notices = office
    draft = await notices.create_draft(OFFICIAL, "明天上午停水")
    steps = [
        lambda: notices.set_audience(OFFICIAL, draft.id, Audience.topic("water_power")),
        lambda: notices.set_urgent(OFFICIAL, draft.id, True),
        lambda: notices.set_send_at(OFFICIAL, draft.id, clock.now + timedelta(days=1)),
        lambda: notices.preview(OFFICIAL, draft.id),  # /broadcast again shows the preview
    ]
    for step in steps:
        clock.advance(minutes=50)
        await step()
        clock.advance(minutes=50)
        assert await notices.expire_drafts(clock.now, IDLE) == ()

    clock.advance(minutes=11)  # 61 minutes since the preview
    assert await notices.expire_drafts(clock.now, IDLE) == (OFFICIAL,)


async def test_one_message_per_author_and_none_to_who_blocked_linli(
    office: tuple[Clock, NoticeService], database: Database
) -> None:
    clock, notices = office
    for text in ("第一稿", "第二稿"):
        await notices.create_draft(OFFICIAL, text)
    await notices.create_draft(ADMIN, "管理员的草稿")
    async with database.transaction() as session:
        await session.execute(
            update(Resident).where(Resident.telegram_id == ADMIN).values(active=False)
        )
    confirmed = await notices.create_draft(OFFICIAL, "已发出的通知")
    await notices.confirm(OFFICIAL, confirmed.id)
    clock.advance(hours=2)

    assert await notices.expire_drafts(clock.now, IDLE) == (OFFICIAL, ADMIN)

    messages = [m for m in await outbox(database) if m.message_key == "broadcast.expired"]
    assert [m.telegram_id for m in messages] == [OFFICIAL]
    assert (await notices.get(OFFICIAL, confirmed.id)).status == "queued"  # sent: untouched
    assert await notices.open_draft(OFFICIAL) is None
    assert await notices.open_draft(ADMIN) is None
