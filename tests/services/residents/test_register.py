"""ResidentService.register: the record made or refreshed on every message (SQLite and
PostgreSQL), and the language it starts with."""

from __future__ import annotations

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
