"""Residents repository on SQLite and PostgreSQL: what the table holds after each call."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage import Database, Role
from storage.repositories.residents import (
    get_resident,
    list_residents,
    mark_inactive,
    set_resident_language,
    set_resident_role,
    upsert_resident,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


async def test_first_contact_creates_a_resident(database: Database) -> None:
    async with database.transaction() as session:
        created = await upsert_resident(
            session, telegram_id=5_000_000_001, chat_id=42, display_name="王阿姨", now=T0
        )
    async with database.transaction() as session:
        stored = await get_resident(session, 5_000_000_001)
    assert stored is not None
    assert stored.id == created.id
    assert (stored.chat_id, stored.display_name, stored.role, stored.language) == (
        42,
        "王阿姨",
        Role.RESIDENT,
        None,
    )
    assert stored.active is True
    assert stored.first_seen == stored.last_seen == T0
    assert stored.first_seen.tzinfo is not None


async def test_unknown_resident_is_none(database: Database) -> None:
    async with database.transaction() as session:
        assert await get_resident(session, 1) is None
        assert await set_resident_language(session, 1, "en") is None
        assert await mark_inactive(session, 1) is False


async def test_returning_resident_is_refreshed_but_keeps_language_and_role(
    database: Database,
) -> None:
    later = T0 + timedelta(days=3)
    async with database.transaction() as session:
        await upsert_resident(session, telegram_id=7, chat_id=7, display_name="Li", now=T0)
        await set_resident_language(session, 7, "zh-Hant")
        await set_resident_role(session, 7, Role.STAFF)
        await mark_inactive(session, 7)
    async with database.transaction() as session:
        again = await upsert_resident(
            session, telegram_id=7, chat_id=-100123, display_name="李师傅", now=later
        )
        assert (again.display_name, again.chat_id, again.last_seen) == ("李师傅", -100123, later)
    async with database.transaction() as session:
        stored = await get_resident(session, 7)
    assert stored is not None
    assert (stored.language, stored.role, stored.active) == ("zh-Hant", Role.STAFF, True)
    assert (stored.first_seen, stored.last_seen) == (T0, later)


async def test_times_are_stored_as_utc(database: Database) -> None:
    shanghai = timezone(timedelta(hours=8))
    async with database.transaction() as session:
        await upsert_resident(
            session,
            telegram_id=8,
            chat_id=8,
            display_name="",
            now=datetime(2026, 3, 1, 16, 0, tzinfo=shanghai),
        )
    async with database.transaction() as session:
        stored = await get_resident(session, 8)
    assert stored is not None
    assert stored.first_seen == T0
    assert stored.first_seen.utcoffset() == timedelta(0)


async def test_naive_datetime_is_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with database.transaction() as session:
            await upsert_resident(
                session, telegram_id=9, chat_id=9, display_name="", now=datetime(2026, 3, 1)
            )


async def test_role_for_someone_who_never_wrote(database: Database) -> None:
    async with database.transaction() as session:
        admin = await set_resident_role(session, 123456, Role.ADMIN, now=T0)
        assert (admin.chat_id, admin.display_name, admin.role) == (123456, "", Role.ADMIN)
    async with database.transaction() as session:
        await upsert_resident(
            session, telegram_id=123456, chat_id=123456, display_name="Zhao", now=T0
        )
        stored = await get_resident(session, 123456)
    assert stored is not None
    assert (stored.role, stored.display_name) == (Role.ADMIN, "Zhao")


async def test_unknown_language_is_refused(database: Database) -> None:
    async with database.transaction() as session:
        await upsert_resident(session, telegram_id=10, chat_id=10, display_name="", now=T0)
        with pytest.raises(ValueError, match="unknown language"):
            await set_resident_language(session, 10, "fr")
        resident = await set_resident_language(session, 10, "en")
    assert resident is not None
    assert resident.language == "en"


async def test_list_residents_by_role_and_activity(database: Database) -> None:
    async with database.transaction() as session:
        for telegram_id in (1, 2, 3, 4):
            await upsert_resident(
                session, telegram_id=telegram_id, chat_id=telegram_id, display_name="", now=T0
            )
        await set_resident_role(session, 2, Role.STAFF)
        await set_resident_role(session, 3, Role.STAFF)
        await mark_inactive(session, 3)
        await mark_inactive(session, 4)
    async with database.transaction() as session:
        active = [r.telegram_id for r in await list_residents(session)]
        everyone = [r.telegram_id for r in await list_residents(session, active_only=False)]
        staff = [r.telegram_id for r in await list_residents(session, role=Role.STAFF)]
        all_staff = await list_residents(session, role=Role.STAFF, active_only=False)
    assert active == [1, 2]
    assert everyone == [1, 2, 3, 4]
    assert staff == [2]
    assert [r.telegram_id for r in all_staff] == [2, 3]


async def test_concurrent_upserts_of_the_same_person_make_one_row(database: Database) -> None:
    async def write(n: int) -> None:
        async with database.transaction() as session:
            await upsert_resident(
                session, telegram_id=77, chat_id=77, display_name=f"n{n}", now=T0 + timedelta(n)
            )

    await asyncio.gather(*(write(n) for n in range(20)))
    async with database.transaction() as session:
        rows = await list_residents(session, active_only=False)
    # Which write lands first is up to the scheduler; exactly one row, refreshed by the others.
    assert len(rows) == 1
    assert rows[0].display_name in {f"n{n}" for n in range(20)}
