"""Bans: staff in the staff chat ban a resident by id or ticket number, on the record; the
resident's questions, filings and follow-ups are refused, told once an hour."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text

from services.access import Actor, WrongPlace
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.notices.broadcasts import NoticeService
from services.privacy.service import PrivacyService
from services.residents.bans import (
    AlreadyBanned,
    BanCheck,
    BanService,
    CannotBan,
    NobodyToBan,
    NotBanned,
)
from services.residents.limits import Banned
from services.residents.service import ResidentService
from services.tickets import Complaint
from storage import Database
from storage.migrate import downgrade, upgrade
from storage.models import OutboxMessage, ResidentBan, TicketEvent
from storage.repositories.privacy import list_public_events
from tests.services.conftest import (
    ADMIN,
    NEIGHBOUR,
    NEIGHBOUR_PRIVATE,
    NOISE,
    OFFICIAL,
    RESIDENT,
    RESIDENT_PRIVATE,
    STAFF,
    STAFF_2,
    STAFF_CHAT,
    T0,
    Desk,
    file_noise,
    record_phone_call,
)

IN_CHAT = Actor(STAFF, STAFF_CHAT)


def bans_of(desk: Desk) -> BanService:
    return BanService(desk.db, desk.clock, STAFF_CHAT)


async def stored(db: Database) -> list[ResidentBan]:
    async with db.transaction() as session:
        return list(await session.scalars(select(ResidentBan).order_by(ResidentBan.id)))


async def trail(db: Database) -> list[TicketEvent]:
    async with db.transaction() as session:
        return list(await session.scalars(select(TicketEvent).order_by(TicketEvent.id)))


async def test_ban_by_id_is_recorded_and_refuses_the_residents_filing(desk: Desk) -> None:
    bans = bans_of(desk)
    await desk.tickets.filing.start_draft(RESIDENT_PRIVATE)  # begun before the ban: dropped by it
    view = await bans.ban(IN_CHAT, RESIDENT, "  反复辱骂工作人员 ")
    assert (view.telegram_id, view.name, view.ticket_number) == (RESIDENT, "王阿姨", None)
    [row] = await stored(desk.db)
    assert (row.banned_by, row.reason, row.banned_at, row.lifted_at) == (
        STAFF, "反复辱骂工作人员", T0, None
    )  # fmt: skip
    assert row.ticket_id is None
    filing = desk.tickets.filing  # built without the BanService: the database says
    assert await filing.get_draft(RESIDENT_PRIVATE) is None
    with pytest.raises(Banned):
        await filing.start_draft(RESIDENT_PRIVATE)
    with pytest.raises(Banned):
        await filing.file_complaint(RESIDENT_PRIVATE, NOISE)
    await filing.file_complaint(NEIGHBOUR_PRIVATE, NOISE)  # nobody else is affected


async def test_ban_by_ticket_number_goes_into_the_tickets_trail(desk: Desk) -> None:
    number = await file_noise(desk)
    desk.clock.advance(minutes=5)
    view = await bans_of(desk).ban(IN_CHAT, number, "骚扰")
    assert (view.telegram_id, view.ticket_number) == (RESIDENT, number)
    [row] = await stored(desk.db)
    assert row.ticket_id is not None and row.banned_by == STAFF
    ban_event = (await trail(desk.db))[-1]
    assert (ban_event.kind, ban_event.actor_telegram_id, ban_event.internal_note) == (
        "ban", STAFF, "骚扰"
    )  # fmt: skip
    staff_view = await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    assert [e.kind for e in staff_view.events][-1] == "ban"
    # The resident's record of the ticket shows nothing of it, nor does their /mydata.
    own = await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(RESIDENT), number)
    assert [e.kind for e in own.timeline] == ["transition"]
    async with desk.db.transaction() as session:
        exported = await list_public_events(session, row.ticket_id)
    assert "骚扰" not in str([(e.kind, e.public_message, e.internal_note) for e in exported])
    assert [e.kind for e in exported] == ["transition"]


async def test_a_ban_through_an_anonymous_ticket_does_not_unmask_the_filer(desk: Desk) -> None:
    anonymous = Complaint(NOISE.category, NOISE.description, NOISE.location_text, anonymous=True)
    number = await file_noise(desk, complaint=anonymous)
    bans = bans_of(desk)
    view = await bans.ban(IN_CHAT, number)
    assert (view.telegram_id, view.name, view.ticket_number) == (None, "", number)
    [listed] = await bans.list_banned(IN_CHAT)
    assert listed.telegram_id is None
    with pytest.raises(AlreadyBanned) as again:
        await bans.ban(IN_CHAT, number)
    assert again.value.ban.telegram_id is None
    lifted = await bans.unban(IN_CHAT, number)
    assert lifted.telegram_id is None and lifted.lifted_by == STAFF


async def test_guessing_ids_after_an_anonymous_ban_tells_nothing(desk: Desk) -> None:
    """Staff who banned an anonymous ticket's filer try ids: the id path answers for the
    filer as for any registered person who is not banned, and a ban by id is a ban of its
    own (each kind is lifted the way it was made)."""
    anonymous = Complaint(NOISE.category, NOISE.description, NOISE.location_text, anonymous=True)
    number = await file_noise(desk, complaint=anonymous)
    bans = bans_of(desk)
    await bans.ban(IN_CHAT, number, "骚扰")
    for guess in (RESIDENT, NEIGHBOUR):  # the filer, and someone who is not banned
        with pytest.raises(NotBanned):
            await bans.unban(IN_CHAT, guess)
    by_id = await bans.ban(IN_CHAT, RESIDENT, "另有原因")  # not "already banned"
    assert (by_id.telegram_id, by_id.ticket_number) == (RESIDENT, None)
    listed = await bans.list_banned(IN_CHAT)
    assert sorted((b.telegram_id or 0, b.ticket_number or "") for b in listed) == [
        (0, number),
        (RESIDENT, ""),
    ]
    await bans.unban(IN_CHAT, RESIDENT)
    with pytest.raises(Banned):  # still banned through the ticket
        await bans.check.refuse_if_banned(RESIDENT)
    await bans.unban(IN_CHAT, number)
    await bans.check.refuse_if_banned(RESIDENT)  # no ban in force any more
    assert [b.lifted_at is not None for b in await stored(desk.db)] == [True, True]


async def test_only_staff_in_the_staff_chat_may_ban(desk: Desk) -> None:
    bans = bans_of(desk)
    with pytest.raises(PermissionDenied):
        await bans.ban(Actor(NEIGHBOUR, NEIGHBOUR), RESIDENT)
    with pytest.raises(PermissionDenied):  # a resident in the staff chat is still a resident
        await bans.ban(Actor(NEIGHBOUR, STAFF_CHAT), RESIDENT)
    with pytest.raises(WrongPlace):  # staff, but from their private chat
        await bans.ban(Actor(STAFF, STAFF), RESIDENT)
    with pytest.raises(WrongPlace):
        await bans.list_banned(Actor(STAFF, -100777))
    with pytest.raises(WrongPlace):  # no staff chat configured: there is no right place
        await BanService(desk.db, desk.clock, None).ban(Actor(STAFF, STAFF_CHAT), RESIDENT)
    assert await stored(desk.db) == []


async def test_staff_officials_and_admins_cannot_be_banned(desk: Desk) -> None:
    bans = bans_of(desk)
    for person in (STAFF_2, OFFICIAL, ADMIN, STAFF):
        with pytest.raises(CannotBan):
            await bans.ban(IN_CHAT, person, "test")
    with pytest.raises(CannotBan):
        await bans.ban_by_operator(ADMIN)
    assert await stored(desk.db) == []


async def test_double_ban_and_unban_of_nobody_change_nothing(desk: Desk) -> None:
    bans = bans_of(desk)
    first = await bans.ban(IN_CHAT, RESIDENT, "第一次")
    desk.clock.advance(hours=1)
    with pytest.raises(AlreadyBanned) as again:
        await bans.ban(Actor(STAFF_2, STAFF_CHAT), RESIDENT, "第二次")
    assert again.value.ban == first  # who banned first, when, why
    with pytest.raises(NotBanned):
        await bans.unban(IN_CHAT, NEIGHBOUR)
    assert [(r.banned_by, r.reason) for r in await stored(desk.db)] == [(STAFF, "第一次")]


async def test_unban_is_recorded_and_lets_the_resident_in_again(desk: Desk) -> None:
    bans = bans_of(desk)
    await bans.ban(IN_CHAT, RESIDENT)
    desk.clock.advance(days=2)
    lifted = await bans.unban(Actor(STAFF_2, STAFF_CHAT), RESIDENT)
    assert (lifted.lifted_by, lifted.lifted_at) == (STAFF_2, desk.clock.now)
    with pytest.raises(NotBanned):
        await bans.unban(IN_CHAT, RESIDENT)
    await desk.tickets.filing.file_complaint(RESIDENT_PRIVATE, NOISE)
    await bans.ban(IN_CHAT, RESIDENT, "又来了")  # a second ban: a second row, history kept
    history = [(r.reason, r.lifted_by) for r in await stored(desk.db)]
    assert history == [("", STAFF_2), ("又来了", None)]
    assert [b.reason for b in await bans.list_banned(IN_CHAT)] == ["又来了"]


async def test_unknown_people_and_tickets_and_long_reasons(desk: Desk) -> None:
    bans = bans_of(desk)
    with pytest.raises(NotFound):
        await bans.ban(IN_CHAT, 999_999)
    with pytest.raises(NotFound):
        await bans.ban(IN_CHAT, "2611-9999")
    with pytest.raises(InvalidInput):
        await bans.ban(IN_CHAT, RESIDENT, "很长" * 251)
    assert await stored(desk.db) == []


async def test_the_resident_is_told_once_an_hour_and_their_tickets_go_on(desk: Desk) -> None:
    number = await file_noise(desk)
    bans = bans_of(desk)
    await bans.ban(IN_CHAT, RESIDENT)
    check = bans.check
    told = []
    for minutes in (0, 10, 59, 61):
        desk.clock.now = T0 + timedelta(minutes=minutes)
        with pytest.raises(Banned) as refused:
            await check.refuse_if_banned(RESIDENT)
        told.append(refused.value.tell)
    assert told == [True, False, False, True]
    followup = desk.tickets.resident
    with pytest.raises(Banned):
        await followup.followup(Actor.in_private(RESIDENT), number, "还是很吵")
    # Staff work the ticket as before; the resident hears about it.
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), number, "已处理")
    rated = await desk.tickets.resident.rate(Actor.in_private(RESIDENT), number, True, 4)
    assert rated.status == "closed"


async def test_the_operator_bans_and_unbans_without_a_chat(desk: Desk) -> None:
    bans = bans_of(desk)
    view = await bans.ban_by_operator(RESIDENT, "电话投诉")
    assert view.banned_by is None
    lifted = await bans.unban_by_operator(RESIDENT)
    assert lifted.lifted_by is None and lifted.lifted_at == desk.clock.now
    with pytest.raises(NotFound):
        await bans.ban_by_operator(999_999)


async def test_notices_still_reach_a_banned_resident(desk: Desk) -> None:
    await bans_of(desk).ban(IN_CHAT, RESIDENT, "骚扰")
    notices = NoticeService(desk.db, desk.clock)
    draft = await notices.create_draft(OFFICIAL, "明天上午9点至12点停水")
    notice = await notices.confirm(OFFICIAL, draft.id)
    async with desk.db.transaction() as session:
        stmt = select(OutboxMessage.chat_id).where(OutboxMessage.notice_id == notice.id)
        recipients = set(await session.scalars(stmt))
    assert RESIDENT in recipients


async def _refused(check: BanCheck, telegram_id: int) -> bool:
    try:
        await check.refuse_if_banned(telegram_id)
    except Banned:
        return True
    return False


async def _becomes(check: BanCheck, telegram_id: int, refused: bool) -> bool:
    """Whether the check comes to refuse (or let in) the person within five seconds."""
    for _ in range(500):
        if await _refused(check, telegram_id) is refused:
            return True
        await asyncio.sleep(0.01)
    return False


async def _until_following(check: BanCheck, following: bool) -> None:
    for _ in range(500):
        if check.following is following:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"following stayed {check.following}")


async def test_followed_bans_count_at_once_wherever_they_are_made(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = BanCheck(desk.db, desk.clock)  # this process's refusal
    staff_desk = bans_of(desk)  # bans made elsewhere (another process, the command line)
    await check.follow()
    try:
        # On SQLite each check is a look-up of microseconds, and another process may ban.
        assert check.following is (not desk.db.is_sqlite)
        await staff_desk.ban(IN_CHAT, RESIDENT, "骚扰")
        assert await _becomes(check, RESIDENT, refused=True)
        assert not await _refused(check, NEIGHBOUR)
        if check.following:  # and no question reads the table for it
            unread = AssertionError("read the bans table")
            monkeypatch.setattr("storage.repositories.bans.is_banned", unread)
            assert await _refused(check, RESIDENT)
            monkeypatch.undo()
        await staff_desk.unban(IN_CHAT, RESIDENT)
        assert await _becomes(check, RESIDENT, refused=False)
        # A change no use case made (an erasure, an operator's SQL) counts the same.
        await staff_desk.ban_by_operator(NEIGHBOUR)
        assert await _becomes(check, NEIGHBOUR, refused=True)
        async with desk.db.transaction() as session:
            await session.execute(delete(ResidentBan))
        assert await _becomes(check, NEIGHBOUR, refused=False)
    finally:
        await check.stop()
    assert not check.following


async def test_bans_unheard_are_read_from_the_database_until_heard_again(desk: Desk) -> None:
    if desk.db.is_sqlite:
        pytest.skip("bans are followed on PostgreSQL only")
    check = BanCheck(desk.db, desk.clock)
    await check.follow()
    try:
        async with desk.db.transaction() as session:  # the server drops the listener
            await session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
        await _until_following(check, False)
        await bans_of(desk).ban(IN_CHAT, RESIDENT, "骚扰")  # made while nothing is heard
        if not check.following:  # (it listens again after a second: a slow ban may not be)
            assert await _refused(check, RESIDENT)  # read from the database
        await _until_following(check, True)  # listening again, and loaded afresh
        assert await _becomes(check, RESIDENT, refused=True)
        assert not await _refused(check, NEIGHBOUR)
    finally:
        await check.stop()


async def test_a_ticket_with_no_telegram_resident_behind_it_bans_nobody(desk: Desk) -> None:
    """A 代录 ticket is the recording staff member's, and an erased filer is no one: neither
    is taken for the person to ban (nor for staff that cannot be banned)."""
    bans = bans_of(desk)
    recorded = await record_phone_call(desk.tickets)
    with pytest.raises(NobodyToBan) as refused:
        await bans.ban(IN_CHAT, recorded, "骚扰")
    assert refused.value.reason == "recorded"
    number = await file_noise(desk)
    residents = ResidentService(desk.db, desk.clock, "zh-Hans")
    await PrivacyService(desk.db, desk.clock, residents).forget_by_operator(RESIDENT)
    with pytest.raises(NobodyToBan) as refused:
        await bans.ban(IN_CHAT, number, "骚扰")
    assert refused.value.reason == "erased"
    assert await stored(desk.db) == []


async def test_revision_0020_marks_bans_through_anonymous_tickets_both_ways(desk: Desk) -> None:
    """Upgraded, a ban made through an anonymous ticket is marked; downgraded, a person
    with both kinds keeps one ban in force (the older code's rule), the id's."""
    anonymous = Complaint(NOISE.category, NOISE.description, NOISE.location_text, anonymous=True)
    number = await file_noise(desk, complaint=anonymous)
    bans = bans_of(desk)
    await bans.ban(IN_CHAT, number)
    await bans.ban(IN_CHAT, RESIDENT)
    await bans.ban(IN_CHAT, NEIGHBOUR)
    await downgrade(desk.db, "0019")
    async with desk.db.engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT resident_id, lifted_at IS NULL FROM resident_bans ORDER BY id")
            )
        ).all()
    # The filer's ticket ban is lifted, their ban by id and the neighbour's stay in force.
    assert [in_force for _, in_force in rows] == [False, True, True]
    async with desk.db.engine.begin() as connection:  # as before: the filer banned once
        lift = "UPDATE resident_bans SET lifted_at = '2026-01-01' WHERE id = 2"
        await connection.execute(text(lift))
        await connection.execute(text("UPDATE resident_bans SET lifted_at = NULL WHERE id = 1"))
    await upgrade(desk.db)
    assert [b.masked for b in await stored(desk.db)] == [True, False, False]
