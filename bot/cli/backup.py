"""``linli db backup FILE`` and ``linli db restore FILE [--force]`` (storage/backup.py)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.settings import load_settings
from storage import Database
from storage.backup import BackupError, backup, restore
from storage.migrate import current_revisions


def add_backup_commands(db_commands: Any) -> None:
    """Register ``backup`` and ``restore`` on the ``linli db`` subcommands."""
    take = db_commands.add_parser(
        "backup",
        help="copy the database to FILE (SQLite: online backup, safe while linli runs; "
        "PostgreSQL: pg_dump's custom format)",
    )
    take.add_argument("file", type=Path, metavar="FILE")
    take.set_defaults(func=lambda a: asyncio.run(_backup(a.file)))
    put = db_commands.add_parser(
        "restore",
        help="replace the database's contents with a backup FILE (stop linli first); "
        "a database holding rows is refused unless --force",
    )
    put.add_argument("file", type=Path, metavar="FILE")
    put.add_argument("--force", action="store_true", help="replace a database that holds rows")
    put.set_defaults(func=lambda a: asyncio.run(_restore(a.file, a.force)))


async def _backup(file: Path) -> int:
    db = Database(load_settings().database_url)
    try:
        await backup(db, file)  # nothing more: a writer may hold SQLite's lock meanwhile
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(f"Backed up {db.url} to {file}.")
    return 0


async def _restore(file: Path, force: bool) -> int:
    db = Database(load_settings().database_url)
    try:
        await restore(db, file, force=force)
        revision = ", ".join(await current_revisions(db)) or "none"
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(
        f"Restored {file} into {db.url} (schema revision {revision}). "
        "Run `linli db upgrade` if this linli is newer than the backup, then start linli."
    )
    return 0
