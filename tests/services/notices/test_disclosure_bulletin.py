"""The monthly disclosure as a bulletin: {disclosure}, the default bulletin, the preview."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, time

import pytest
from sqlalchemy import select

from services.errors import InvalidInput, PermissionDenied
from services.notices.bulletins import BulletinService, BulletinSpec
from services.notices.disclosure_bulletin import (
    DEFAULT_NAME,
    DisclosureFigures,
    ensure_default_disclosure,
    preview,
)
from services.notices.subscriptions import SubscriptionService
from services.notices.views import OPERATOR, Audience
from services.reports import PeriodError, ReportService
from storage import Database
from storage.models import OutboxMessage
from tests.services import report_tickets as data

BEFORE_NOVEMBER = datetime(2026, 10, 31, 12, 0, tzinfo=data.SH)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def clock(database: Database) -> Clock:
    await data.add_october(database)
    subscriptions = SubscriptionService(database, lambda: data.NOW)
    await subscriptions.subscribe(data.WANG, "disclosure")
    await subscriptions.subscribe(data.LI, "activities")  # another topic: no disclosure
    return Clock(BEFORE_NOVEMBER)


def services(db: Database, clock: Clock) -> tuple[BulletinService, ReportService]:
    reports = ReportService(db, clock)
    return BulletinService(db, clock, figures=DisclosureFigures(reports)), reports


async def test_disclosure_is_a_known_placeholder(database: Database, clock: Clock) -> None:
    bulletins, _ = services(database, clock)
    assert "disclosure" in bulletins.placeholders()
    assert "received" in bulletins.placeholders()  # the ticket figures are still there
    with pytest.raises(InvalidInput, match="disclosure"):
        await BulletinService(database, clock).add(
            OPERATOR,
            BulletinSpec(
                "x", "monthly", time(9, 0), Audience.topic("disclosure"), "{disclosure}",
                day_of_month=1,
            ),
        )  # fmt: skip


async def test_default_bulletin_sends_last_months_disclosure_to_subscribers_only(
    database: Database, clock: Clock
) -> None:
    bulletins, _ = services(database, clock)
    created = await ensure_default_disclosure(bulletins, database)
    assert created is not None and created.name == DEFAULT_NAME
    assert created.audience == Audience.topic("disclosure")
    assert created.next_run_at == datetime(2026, 11, 1, 9, 0, tzinfo=data.SH)
    assert await ensure_default_disclosure(bulletins, database) is None  # only once

    clock.now = data.NOW  # Monday 2 November: the 1 November run is due
    [notice] = await bulletins.run_due_bulletins()
    assert notice.text.startswith("【居务公开】2026年10月 群众反映问题及办理情况")
    assert "响应率：71.4%" in notice.text and "满意率：66.7%（共 3 条评价）" in notice.text
    for secret in (data.PHONE, "王阿姨", "李先生", "张三", "张社工", "李社工", "502", "电钻"):
        assert secret not in notice.text
    assert not re.search(r"\d{5,}", notice.text)  # no Telegram id, no phone number
    async with database.transaction() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.notice_id == notice.id))
        ).all()
    assert [r.chat_id for r in rows] == [data.WANG]
    assert rows[0].params["text"] == notice.text


async def test_a_removed_default_stays_removed(database: Database, clock: Clock) -> None:
    bulletins, _ = services(database, clock)
    created = await ensure_default_disclosure(bulletins, database)
    assert created is not None
    await bulletins.remove(OPERATOR, created.id)
    assert await ensure_default_disclosure(bulletins, database) is None
    assert await bulletins.list_bulletins(OPERATOR) == []


async def test_preview_is_what_residents_receive(database: Database, clock: Clock) -> None:
    clock.now = data.NOW
    _, reports = services(database, clock)
    text = await preview(reports, data.OFFICIAL, None)  # default: last month
    assert text.startswith("【居务公开】2026年10月")
    assert await preview(reports, data.ADMIN, "2026-10") == text
    assert "本期没有收到群众反映" in await preview(reports, data.OFFICIAL, "2026-06")
    with pytest.raises(PermissionDenied):
        await preview(reports, data.WANG, None)
    with pytest.raises(PeriodError):
        await preview(reports, data.OFFICIAL, "十一月吧")
    with pytest.raises(InvalidInput):
        await preview(reports, data.OFFICIAL, "2027-03")


async def test_processes_starting_at_once_define_the_default_once(
    database: Database, clock: Clock
) -> None:
    """Several linli processes behind one webhook start together on one database: each
    defines the default bulletin at start, and exactly one does (the others carry on)."""
    url = database.engine.url.render_as_string(hide_password=False)
    processes = [Database(url) for _ in range(4)]
    try:
        created = await asyncio.gather(
            *(ensure_default_disclosure(services(db, clock)[0], db) for db in processes)
        )
    finally:
        await asyncio.gather(*(db.dispose() for db in processes))
    assert sum(view is not None for view in created) == 1
    bulletins, _ = services(database, clock)
    assert [b.name for b in await bulletins.list_bulletins(OPERATOR)] == [DEFAULT_NAME]
