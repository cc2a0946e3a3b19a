"""ResidentService.register: the record made or refreshed on every message (SQLite and
PostgreSQL), and the language it starts with."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.residents.service import ResidentService
from storage import Database, Role
from storage.repositories.residents import get_resident, set_resident_role

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def service(database: Database) -> ResidentService:
    return ResidentService(database, lambda: NOW, "zh-Hans")


async def test_a_first_message_takes_the_language_of_the_telegram_client(
    database: Database,
) -> None:
    residents = service(database)
    assert (await residents.register(1, 1, "Wang", "en-GB")).language == "en"
    assert (await residents.register(2, 2, "陳", "zh-hk")).language == "zh-Hant"
    assert (await residents.register(3, 3, "Ivan", "ru")).language == "zh-Hans"  # the default


async def test_a_chosen_language_outlives_the_client_and_a_new_name(database: Database) -> None:
    residents = service(database)
    await residents.register(1, 1, "Wang", "en")
    await residents.set_language(1, "zh-Hant")
    residents.forget(1)  # as after REFRESH_SECONDS: written through again
    view = await residents.register(1, 1, "Wang Wei", "en")
    assert (view.language, view.display_name) == ("zh-Hant", "Wang Wei")
    async with database.transaction() as session:
        row = await get_resident(session, 1)
        assert row is not None and (row.language, row.display_name) == ("zh-Hant", "Wang Wei")


async def test_someone_given_a_role_before_writing_gets_a_language_and_keeps_the_role(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await set_resident_role(session, 5, Role.STAFF, now=NOW)
        row = await get_resident(session, 5)
        assert row is not None and row.language is None
    view = await service(database).register(5, 5, "李社工", "zh-hans")
    assert (view.language, view.role, view.display_name) == ("zh-Hans", "staff", "李社工")


async def test_people_writing_at_once_are_registered_together_each_as_themselves(
    database: Database,
) -> None:
    residents = service(database)
    await residents.register(7, 7, "老住户", "en")
    await residents.set_language(7, "zh-Hant")
    residents.forget(7)
    # Fifty new people at once, an old resident among them (writing in two chats at once).
    arrivals = [(100 + i, 100 + i, f"居民{i}", "en" if i % 2 else "zh-hans") for i in range(50)]
    arrivals += [(7, 7, "老住户", "en"), (7, -500, "老住户", "en")]
    views = await asyncio.gather(*(residents.register(*a) for a in arrivals))

    assert [(v.telegram_id, v.display_name) for v in views[:50]] == [
        (100 + i, f"居民{i}") for i in range(50)
    ]
    assert [v.language for v in views[:4]] == ["zh-Hans", "en", "zh-Hans", "en"]
    assert views[50] == views[51] and views[51].language == "zh-Hant"  # chosen, kept
    async with database.transaction() as session:
        stored = [await get_resident(session, 100 + i) for i in range(50)]
        old = await get_resident(session, 7)
    assert [(r.display_name, r.chat_id) for r in stored if r] == [
        (f"居民{i}", 100 + i) for i in range(50)
    ]
    assert old is not None and old.chat_id == -500  # the later of its two arrivals
