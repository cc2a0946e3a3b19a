"""Schema migrations (Alembic) run through the application's own async engine.

The Alembic configuration is built in code and points at the ``migrations`` folder inside
this package, so migrations work the same from a checkout and from an installed wheel.
Start-up calls :func:`prepare`: the embedded SQLite database upgrades itself, a PostgreSQL
database with pending revisions is refused until an operator runs ``linli db upgrade``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Two processes starting at once (or `linli db upgrade` while a bot starts) must not both
# run the same revision: on PostgreSQL the upgrade holds this transaction-level advisory lock.
_PG_MIGRATION_LOCK_KEY = 0x6C696E6C69  # "linli"

T = TypeVar("T")


def revision_module(number: str) -> ModuleType:
    """The module of revision ``number`` ("0014"), for a later revision that changes a
    PostgreSQL function it created and builds on its text (and puts it back on downgrade)."""
    path = next((MIGRATIONS_DIR / "versions").glob(f"{number}_*.py"))
    spec = importlib.util.spec_from_file_location(f"linli_revision_{number}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PendingMigrationsError(RuntimeError):
    """The database schema is behind the code and must be upgraded by an operator."""

    def __init__(self, url: str, pending: list[str]) -> None:
        self.url = url
        self.pending = pending
        super().__init__(
            f"The database at {url} has {len(pending)} pending migration(s) "
            f"({', '.join(pending)}). Run `linli db upgrade` to apply them, then start linli again."
        )


class UnknownRevisionError(RuntimeError):
    """The database carries a revision this version of linli does not know (newer code ran)."""


def alembic_config() -> Config:
    """An Alembic Config for the bundled migrations; the engine is passed in at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Revisions are numbered 0001, 0002, ... so their order is visible in the file list.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


async def _run_sync(db: Database, work: Callable[[Connection, Config], T]) -> T:
    """Run Alembic work on one connection, in one transaction (DDL is transactional)."""
    config = alembic_config()

    def run(connection: Connection) -> T:
        config.attributes["connection"] = connection
        return work(connection, config)

    async with db.writer_slot(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
            )
        return await connection.run_sync(run)


async def upgrade(db: Database, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (default: the newest)."""
    await _run_sync(db, lambda _conn, config: command.upgrade(config, revision))


async def downgrade(db: Database, revision: str) -> None:
    """Revert migrations down to ``revision`` (``"base"`` empties the schema)."""
    await _run_sync(db, lambda _conn, config: command.downgrade(config, revision))


def _pending_on(connection: Connection, config: Config) -> list[str]:
    script = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(connection).get_current_heads()
    applied: set[str] = set()
    if current:
        try:
            applied = {rev.revision for rev in script.iterate_revisions(current, "base")}
        except (RevisionError, CommandError) as exc:
            raise UnknownRevisionError(
                f"The database is at revision {', '.join(current)}, which this version of "
                "linli does not know; was it upgraded by a newer linli?"
            ) from exc
    in_order = reversed(list(script.walk_revisions()))
    return [rev.revision for rev in in_order if rev.revision not in applied]


async def pending_migrations(db: Database) -> list[str]:
    """Revision ids not yet applied to the database, oldest first (empty when up to date)."""
    return await _run_sync(db, _pending_on)


async def current_revisions(db: Database) -> list[str]:
    """The revision id(s) the database is at; empty for a database never migrated."""
    return await _run_sync(
        db, lambda conn, _config: list(MigrationContext.configure(conn).get_current_heads())
    )


async def prepare(db: Database) -> None:
    """Make the schema ready at start-up: upgrade SQLite, refuse an outdated server database.

    Raises PendingMigrationsError (telling the operator to run ``linli db upgrade``) when a
    non-SQLite database is behind, and UnknownRevisionError when it is ahead of this code.
    """
    pending = await pending_migrations(db)
    if not pending:
        return
    if not db.is_sqlite:
        raise PendingMigrationsError(db.url, pending)
    await upgrade(db)
