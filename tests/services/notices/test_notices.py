"""Notices: audiences, quiet hours, scheduling, fan-out, cancelling, figures, permissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import InvalidInput, NotFound, PermissionDenied
from services.notices.broadcasts import NoticeService
from services.notices.fanout import queue_notice
from services.notices.subscriptions import SubscriptionService
from services.notices.views import Audience
from storage import Database
from storage.models import PRIORITY_BULK, OutboxMessage, OutboxStatus, Resident
from storage.repositories import notice_outbox
from storage.repositories.notices import get_notice
from storage.repositories.residents import set_resident_language
from tests.services.conftest import (
    ADMIN,
    NEIGHBOUR,
    OFFICIAL,
    RESIDENT,
    STAFF,
    STAFF_2,
    STRANGER,
    Clock,
    add_people,
)

EVERYONE = {RESIDENT, NEIGHBOUR, STRANGER, STAFF, STAFF_2, OFFICIAL, ADMIN}
# 23:30 in Shanghai, inside the default quiet hours (22:00-07:00).
NIGHT = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
MORNING = datetime(2026, 11, 2, 23, 0, tzinfo=UTC)  # 07:00 on 3 November in Shanghai


@dataclass
class World:
    db: Database
    clock: Clock
    notices: NoticeService
    prefs: SubscriptionService


@pytest.fixture
async def world(database: Database) -> World:
    await add_people(database)
    clock = Clock()
    return World(
        database, clock, NoticeService(database, clock), SubscriptionService(database, clock)
    )


async def rows(db: Database, notice_id: int) -> list[OutboxMessage]:
    async with db.transaction() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.notice_id == notice_id)
        return list(await session.scalars(stmt.order_by(OutboxMessage.chat_id)))


async def send(world: World, text: str = "明天上午9点至12点停水", **audience: str) -> int:
    draft = await world.notices.create_draft(OFFICIAL, text)
    if audience:
        kind, value = next(iter(audience.items()))
        await world.notices.set_audience(OFFICIAL, draft.id, Audience(kind, value or None))
    return (await world.notices.confirm(OFFICIAL, draft.id)).id


async def test_notice_to_everyone_queues_one_bulk_row_per_active_resident(world: World) -> None:
    async with world.db.transaction() as session:
        await set_resident_language(session, NEIGHBOUR, "en")
        await session.execute(
            update(Resident).where(Resident.telegram_id == STRANGER).values(active=False)
        )
    notice_id = await send(world)
    queued = await rows(world.db, notice_id)
    assert {r.chat_id for r in queued} == EVERYONE - {STRANGER}
    first = queued[0]
    assert (first.message_key, first.params, first.priority) == (
        "notice.body",
        {"text": "明天上午9点至12点停水"},
        PRIORITY_BULK,
    )
    assert first.idempotency_key == f"notice:{notice_id}:{first.chat_id}"
    assert {r.chat_id: r.language for r in queued}[NEIGHBOUR] == "en"
    assert all(r.next_attempt_at == world.clock.now for r in queued)  # 10:00, not quiet
    view = await world.notices.get(ADMIN, notice_id)
    assert (view.state, view.recipients, view.figures.pending) == ("sending", 6, 6)


async def test_audiences_by_topic_tag_and_staff_and_stop(world: World) -> None:
    await world.prefs.subscribe(RESIDENT, "water_power")
    await world.prefs.subscribe(NEIGHBOUR, "water_power")
    await world.prefs.subscribe(STRANGER, "activities")
    await world.prefs.stop_all(NEIGHBOUR)
    # Places of the bundled sample district (services/district/sample).
    await world.prefs.set_home(RESIDENT, "sample-a", "3号楼")
    await world.prefs.set_home(STRANGER, "sample-a", "5号楼")
    await world.prefs.set_home(STAFF_2, "sample-b", "3号楼")  # another community's 3号楼
    await world.prefs.stop_all(STAFF)
    expected = {
        ("topic", "water_power"): {RESIDENT},
        ("topic", "activities"): {STRANGER},
        ("community", "sample-a"): {RESIDENT, STRANGER},
        ("building", "sample-a/5号楼"): {STRANGER},
        ("building", "sample-a/3号楼"): {RESIDENT},
        ("staff", ""): {STAFF, STAFF_2, OFFICIAL, ADMIN},  # /stop does not silence work
        ("all", ""): EVERYONE - {NEIGHBOUR, STAFF},
    }
    for (kind, value), people in expected.items():
        draft = await world.notices.create_draft(OFFICIAL, f"给{kind}的通知")
        await world.notices.set_audience(OFFICIAL, draft.id, Audience(kind, value or None))
        preview = await world.notices.preview(OFFICIAL, draft.id)
        assert preview.recipients == len(people), kind
        confirmed = await world.notices.confirm(OFFICIAL, draft.id)
        assert {r.chat_id for r in await rows(world.db, confirmed.id)} == people, kind


async def test_unknown_topic_and_empty_tag_are_refused(world: World) -> None:
    draft = await world.notices.create_draft(OFFICIAL, "通知")
    with pytest.raises(InvalidInput, match="unknown topic"):
        await world.notices.set_audience(OFFICIAL, draft.id, Audience.topic("gossip"))
    with pytest.raises(InvalidInput, match="building name"):
        await world.notices.set_audience(OFFICIAL, draft.id, Audience.building("  "))
    with pytest.raises(InvalidInput, match="unknown audience"):
        await world.notices.set_audience(OFFICIAL, draft.id, Audience("friends"))
    # Places the district's configuration does not have reach nobody: refused.
    for audience in (
        Audience.community("幸福社区"),
        Audience.building("sample-a/99号楼"),
        Audience.building("nowhere/3号楼"),
    ):
        with pytest.raises(InvalidInput, match="in the district's configuration"):
            await world.notices.set_audience(OFFICIAL, draft.id, audience)


async def test_quiet_hours_hold_ordinary_notices_until_morning(world: World) -> None:
    world.clock.now = NIGHT
    await world.prefs.set_quiet_hours(STRANGER, time(0, 0), time(0, 0))  # no quiet hours
    await world.prefs.set_quiet_hours(NEIGHBOUR, time(23, 45), time(6, 30))
    draft = await world.notices.create_draft(OFFICIAL, "社区活动报名开始")
    preview = await world.notices.preview(OFFICIAL, draft.id)
    assert (preview.recipients, preview.waiting) == (7, 5)
    queued = {
        r.chat_id: r.next_attempt_at for r in await rows(world.db, await _confirm(world, draft.id))
    }
    assert queued[STRANGER] == NIGHT
    assert queued[NEIGHBOUR] == NIGHT  # 23:30 is before their quiet hours start
    assert queued[RESIDENT] == MORNING
    assert queued[OFFICIAL] == MORNING


async def test_urgent_notices_pass_quiet_hours(world: World) -> None:
    world.clock.now = NIGHT
    draft = await world.notices.create_draft(OFFICIAL, "燃气泄漏，请立即撤离3号楼")
    await world.notices.set_urgent(OFFICIAL, draft.id, True)
    assert (await world.notices.preview(OFFICIAL, draft.id)).waiting == 0
    queued = await rows(world.db, await _confirm(world, draft.id))
    assert len(queued) == 7 and all(r.next_attempt_at == NIGHT for r in queued)


async def _confirm(world: World, notice_id: int) -> int:
    return (await world.notices.confirm(OFFICIAL, notice_id)).id


async def test_a_time_in_the_past_is_refused(world: World) -> None:
    draft = await world.notices.create_draft(OFFICIAL, "通知")
    for when in (world.clock.now - timedelta(minutes=1), world.clock.now):
        with pytest.raises(InvalidInput, match="passed"):
            await world.notices.set_send_at(OFFICIAL, draft.id, when)
    with pytest.raises(InvalidInput, match="year"):
        await world.notices.set_send_at(OFFICIAL, draft.id, world.clock.now + timedelta(days=400))
    # Chosen in the future, but the official confirmed only after that time had passed.
    await world.notices.set_send_at(OFFICIAL, draft.id, world.clock.now + timedelta(minutes=5))
    world.clock.advance(minutes=6)
    with pytest.raises(InvalidInput, match="passed"):
        await world.notices.confirm(OFFICIAL, draft.id)
    assert (await world.notices.get(OFFICIAL, draft.id)).status == "draft"


async def test_bad_text_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        await world.notices.create_draft(OFFICIAL, "   ")
    with pytest.raises(InvalidInput, match="4096"):
        await world.notices.create_draft(OFFICIAL, "停" * 4097)
    with pytest.raises(InvalidInput, match="photo has at most 1024"):
        await world.notices.create_draft(OFFICIAL, "停" * 1025, photo_file_id="AgAD")
    with_photo = await world.notices.create_draft(OFFICIAL, "停" * 1024, photo_file_id="AgAD")
    queued = await rows(world.db, await _confirm(world, with_photo.id))
    assert queued[0].photos == ["AgAD"]


async def test_scheduled_notice_is_queued_once_when_due(world: World) -> None:
    draft = await world.notices.create_draft(OFFICIAL, "周六上午义诊")
    at = world.clock.now + timedelta(hours=2)
    await world.notices.set_send_at(OFFICIAL, draft.id, at)
    view = await world.notices.confirm(OFFICIAL, draft.id)
    assert (view.state, view.send_at) == ("scheduled", at)
    assert await world.notices.send_due_notices(at - timedelta(seconds=1)) == []
    assert await rows(world.db, draft.id) == []
    assert await world.notices.send_due_notices(at) == [draft.id]
    assert await world.notices.send_due_notices(at + timedelta(minutes=1)) == []
    assert len(await rows(world.db, draft.id)) == 7
    # Writing the same notice's rows again (a retried fan-out) adds none.
    async with world.db.transaction() as session:
        notice = await get_notice(session, draft.id)
        assert notice is not None
        again = await queue_notice(
            session, notice, now=at, tz=world.notices.tz, default_language="zh-Hans"
        )
    assert again == 7 and len(await rows(world.db, draft.id)) == 7


async def test_a_crash_during_fan_out_leaves_no_rows_and_the_notice_due(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = await world.notices.create_draft(OFFICIAL, "通知")
    at = world.clock.now + timedelta(hours=1)
    await world.notices.set_send_at(OFFICIAL, draft.id, at)
    await world.notices.confirm(OFFICIAL, draft.id)
    monkeypatch.setattr(notice_outbox, "CHUNK", 2)
    real = notice_outbox.count_notice_messages

    async def crash(*args: object, **kwargs: object) -> int:
        raise ConnectionError("killed after writing every chunk")

    monkeypatch.setattr(notice_outbox, "count_notice_messages", crash)
    with pytest.raises(ConnectionError):
        await world.notices.send_due_notices(at)
    assert await rows(world.db, draft.id) == []
    assert (await world.notices.get(OFFICIAL, draft.id)).status == "scheduled"
    monkeypatch.setattr(notice_outbox, "count_notice_messages", real)
    assert await world.notices.send_due_notices(at) == [draft.id]
    assert len(await rows(world.db, draft.id)) == 7


async def test_cancel_in_the_middle_keeps_what_was_sent(world: World) -> None:
    notice_id = await send(world)
    queued = await rows(world.db, notice_id)
    sent, blocked, dead = queued[0].id, queued[1].id, queued[2].id
    async with world.db.transaction() as session:
        await _set(session, sent, status=OutboxStatus.SENT.value)
        await _set(session, blocked, status="dead", last_error="blocked: Forbidden")
        await _set(session, dead, status="dead", last_error="400: chat not found")
        await _set(session, queued[3].id, status=OutboxStatus.SENDING.value)
    view = await world.notices.cancel(OFFICIAL, notice_id)
    figures = view.figures
    assert view.state == "cancelled"
    assert (figures.sent, figures.blocked, figures.failed, figures.pending) == (1, 1, 1, 1)
    assert (figures.cancelled, figures.total) == (3, 7)
    with pytest.raises(InvalidInput, match="already cancelled"):
        await world.notices.cancel(OFFICIAL, notice_id)
    listed = await world.notices.list_notices(ADMIN)
    assert [n.id for n in listed] == [notice_id] and listed[0].figures == figures


async def _set(session: AsyncSession, row_id: int, **values: str) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


async def test_cancelled_schedule_never_goes_out(world: World) -> None:
    draft = await world.notices.create_draft(OFFICIAL, "通知")
    at = world.clock.now + timedelta(hours=1)
    await world.notices.set_send_at(OFFICIAL, draft.id, at)
    await world.notices.confirm(OFFICIAL, draft.id)
    await world.notices.cancel(ADMIN, draft.id)
    assert await world.notices.send_due_notices(at + timedelta(hours=1)) == []
    assert await rows(world.db, draft.id) == []


async def test_only_drafts_can_be_changed(world: World) -> None:
    notice_id = await send(world)
    with pytest.raises(InvalidInput, match="no longer a draft"):
        await world.notices.set_urgent(OFFICIAL, notice_id, True)
    with pytest.raises(InvalidInput, match="no longer a draft"):
        await world.notices.confirm(OFFICIAL, notice_id)
    with pytest.raises(NotFound):
        await world.notices.preview(OFFICIAL, 999)


@pytest.mark.parametrize("who", [RESIDENT, STAFF, 555])
async def test_residents_and_staff_cannot_use_notices(world: World, who: int) -> None:
    draft = await world.notices.create_draft(OFFICIAL, "通知")
    svc = world.notices
    attempts = [
        svc.create_draft(who, "我也想群发"),
        svc.set_audience(who, draft.id, Audience.everyone()),
        svc.set_urgent(who, draft.id, True),
        svc.set_send_at(who, draft.id, world.clock.now + timedelta(hours=1)),
        svc.preview(who, draft.id),
        svc.confirm(who, draft.id),
        svc.cancel(who, draft.id),
        svc.get(who, draft.id),
        svc.list_notices(who),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            await attempt
    assert (await svc.get(OFFICIAL, draft.id)).status == "draft"
    assert await rows(world.db, draft.id) == []


async def test_a_draft_is_its_authors_alone_until_confirmed(world: World) -> None:
    # Another official (an admin too) pressing, or forging, the author's draft buttons.
    draft = await world.notices.create_draft(OFFICIAL, "通知")
    svc = world.notices
    attempts = [
        svc.set_audience(ADMIN, draft.id, Audience.everyone()),
        svc.set_urgent(ADMIN, draft.id, True),
        svc.set_send_at(ADMIN, draft.id, world.clock.now + timedelta(hours=1)),
        svc.preview(ADMIN, draft.id),
        svc.confirm(ADMIN, draft.id),
        svc.cancel(ADMIN, draft.id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            await attempt
    view = await svc.get(OFFICIAL, draft.id)
    assert (view.status, view.urgent, view.send_at) == ("draft", False, None)
    assert await rows(world.db, draft.id) == []
    # Once it is on its way out, any official may stop it (/cancel_notice).
    await svc.confirm(OFFICIAL, draft.id)
    assert (await svc.cancel(ADMIN, draft.id)).status == "cancelled"
