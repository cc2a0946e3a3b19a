"""Database and knowledge-base fixtures shared by every test package.

``database`` runs a test twice: on a temp-file SQLite database and on a fresh PostgreSQL
database created on the server named by ``LINLI_TEST_POSTGRES_URL`` (dropped afterwards).
Without that variable, or when the server does not answer, the PostgreSQL half is skipped
with the reason; CI sets ``LINLI_REQUIRE_POSTGRES=1`` so that a skip becomes a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from services.district import current as current_district
from services.knowledge.live import LiveKnowledge
from storage import Database
from storage.db import normalise_url
from storage.migrate import upgrade

POSTGRES_URL_ENV = "LINLI_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "LINLI_REQUIRE_POSTGRES"

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# Set once the server failed to answer, so the remaining PostgreSQL tests skip at once.
_server_failure: list[str] = []


def _postgres_unavailable(reason: str) -> NoReturn:
    message = f"PostgreSQL tests skipped: {reason}"
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"{message} (and {REQUIRE_POSTGRES_ENV}=1)", pytrace=False)
    pytest.skip(message)


async def _admin_engine() -> tuple[AsyncEngine, str]:
    """An AUTOCOMMIT engine on the test server (CREATE DATABASE cannot run in a transaction)."""
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        _postgres_unavailable(f"{POSTGRES_URL_ENV} not set")
    if _server_failure:
        _postgres_unavailable(_server_failure[0])
    url = normalise_url(server_url)
    shown = url.render_as_string(hide_password=True)
    engine = create_async_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": 5}
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server means "no PostgreSQL here"
        await engine.dispose()
        _server_failure.append(f"server at {shown} did not answer: {exc!r}")
        _postgres_unavailable(_server_failure[0])
    return engine, url.render_as_string(hide_password=False)


async def _fresh_postgres() -> AsyncIterator[Database]:
    admin, server_url = await _admin_engine()
    name = f"linli_t_{secrets.token_hex(6)}"
    await _execute(admin, f'CREATE DATABASE "{name}"')
    db = Database(make_url(server_url).set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        await db.dispose()
        await _execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def _execute(engine: AsyncEngine, sql: str) -> None:
    async with engine.connect() as connection:
        await connection.execute(text(sql))


@pytest.fixture(params=BACKENDS)
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no tables at all (not migrated), on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'linli.db'}")
        try:
            yield db
        finally:
            await db.dispose()
    else:
        async for db in _fresh_postgres():
            yield db


@pytest.fixture
async def database(empty_database: Database) -> Database:
    """A database upgraded to the newest migration, on SQLite and on PostgreSQL."""
    await upgrade(empty_database)
    return empty_database


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated temp-file SQLite database, for tests that need not run on both backends."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'linli.db'}")
    await upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def live_knowledge() -> LiveKnowledge:
    """The bundled knowledge base, built once: building the matcher is the slow part."""
    return LiveKnowledge(None)


@pytest.fixture
async def postgres_database() -> AsyncIterator[Database]:
    """A migrated fresh PostgreSQL database only (mark the test ``postgres``), for what
    exists only with several processes on a server database."""
    async for db in _fresh_postgres():
        await upgrade(db)
        yield db


@pytest.fixture(autouse=True)
def _restore_live_district() -> Iterator[None]:
    """A test that loads a district of its own (a folder, the report command with
    LINLI_DISTRICT_DIR) leaves the process's live configuration as it found it."""
    before = current_district.get()
    yield
    current_district.use(before)
