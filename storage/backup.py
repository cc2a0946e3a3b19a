"""Backups of linli's database: SQLite through its online backup API, PostgreSQL with pg_dump.

A backup is one file. For SQLite it is an SQLite database (a consistent copy taken while
linli runs and writes); for PostgreSQL it is pg_dump's custom format, restored with
pg_restore. A restore refuses a target that holds any row unless forced, so a mistyped
URL cannot overwrite a live database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection

from storage.db import Database, normalise_url, sqlite_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
_SCHEMA_TABLE = "alembic_version"  # present in an empty, migrated database too
_SEEDED = {"canned_replies": "sample"}
"""Tables a migration fills with sample rows (this column true): a freshly migrated
database holds them, and is still empty for a restore."""


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, said in one line for the operator."""


def libpq_url(url: str | URL) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy PostgreSQL URL as libpq (pg_dump, psql) takes it, plus the environment
    that carries the password (kept off the command line, where ``ps`` would show it)."""
    parsed = normalise_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    query = dict(parsed.query)
    if "ssl" in query:  # asyncpg's name for libpq's sslmode
        query["sslmode"] = query.pop("ssl")
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=query,
    )
    return plain.render_as_string(hide_password=False), {str(k): str(v) for k, v in env.items()}


async def table_rows(db: Database, *, seeded: bool = True) -> dict[str, int]:
    """Rows per table (Alembic's own table left out); empty for a database with no tables.
    ``seeded=False`` leaves out the sample rows migrations write (what a restore may replace
    without being told)."""

    def count(connection: Connection) -> dict[str, int]:
        names = [n for n in inspect(connection).get_table_names() if n != _SCHEMA_TABLE]
        quote = connection.dialect.identifier_preparer.quote

        def rows(name: str) -> int:
            query = f"SELECT count(*) FROM {quote(name)}"
            if not seeded and name in _SEEDED:
                query += f" WHERE NOT {quote(_SEEDED[name])}"
            return int(connection.execute(text(query)).scalar_one())

        return {name: rows(name) for name in sorted(names)}

    async with db.engine.connect() as connection:
        return await connection.run_sync(count)


async def backup(db: Database, file: Path) -> None:
    """Write a consistent copy of ``db`` to ``file`` (replaced only once the copy is whole)."""
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if db.is_sqlite:
            _sqlite_backup(_sqlite_path(db), partial)
        else:
            _pg_dump(db, partial)
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)


async def restore(db: Database, file: Path, *, force: bool = False) -> None:
    """Replace the contents of ``db`` with the backup in ``file``.

    Refuses (BackupError) a file of the wrong kind, and a target holding rows unless ``force``.
    Stop every linli process first: they would keep writing into the old contents.
    """
    _check_kind(db, file)
    if not force:
        rows = {name: n for name, n in (await table_rows(db, seeded=False)).items() if n}
        if rows:
            shown = ", ".join(f"{name} {n}" for name, n in list(rows.items())[:5])
            raise BackupError(
                f"The database at {db.url} is not empty ({shown} rows): restoring would replace "
                "its contents. Restore into an empty database, or add --force to replace them."
            )
    await db.engine.dispose()  # no pooled connection of ours may hold a lock during the swap
    if db.is_sqlite:
        _sqlite_restore(file, _sqlite_path(db))
    else:
        _pg_restore(db, file)


def _check_kind(db: Database, file: Path) -> None:
    try:
        with file.open("rb") as stream:
            head = stream.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"Cannot read {file}: {exc.strerror}") from None
    expected, kind = (SQLITE_MAGIC, "SQLite") if db.is_sqlite else (PG_DUMP_MAGIC, "pg_dump")
    if not head.startswith(expected):
        raise BackupError(
            f"{file} is not a {kind} backup, which a database at {db.url} needs "
            "(a backup is restored into the same kind of database it was taken from)"
        )


def _sqlite_path(db: Database) -> Path:
    path = sqlite_file(normalise_url(db.engine.url))
    if path is None:
        raise BackupError(f"{db.url} is not an SQLite file, so it has nothing to back up")
    return path


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"There is no database at {source} yet")
    with _connect(source) as src, _connect(target) as dst:
        # One step: the copy is of one moment, even while linli writes (the writer waits).
        src.backup(dst)
        # A self-contained file: no -wal or -shm beside it is needed to read the copy.
        dst.execute("PRAGMA journal_mode=DELETE")


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with _connect(backup_file) as src, _connect(target) as dst:
        dst.execute(f"PRAGMA busy_timeout={10_000}")
        src.backup(dst)


class _connect:
    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc_info: object) -> None:
        self.connection.close()


def _pg_dump(db: Database, target: Path) -> None:
    url, env = libpq_url(db.engine.url)
    _run(
        "pg_dump",
        ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}", url],
        env,
    )


def _pg_restore(db: Database, backup_file: Path) -> None:
    url, env = libpq_url(db.engine.url)
    # --clean --if-exists drops what the target has (a migrated but empty schema, or the
    # contents --force replaces); one transaction, so a failed restore leaves it unchanged.
    args = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    _run("pg_restore", [*args, "--exit-on-error", f"--dbname={url}", str(backup_file)], env)


def _run(program: str, args: list[str], env: Mapping[str, str]) -> None:
    found = shutil.which(program)
    if found is None:
        raise BackupError(
            f"{program} is not installed: install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client), the same major version as the server"
        )
    done = subprocess.run(
        [found, *args], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        raise BackupError(f"{program} failed: {detail[-1] if detail else done.returncode}")
