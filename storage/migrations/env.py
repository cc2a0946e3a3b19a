"""Alembic environment for linli.

Normally run by storage.migrate, which hands over an open connection of the application's
own engine in ``config.attributes["connection"]``. Run from the ``alembic`` command line
(``alembic -c storage/alembic.ini ...``) it opens its own engine on ``-x url=...`` or
``LINLI_DATABASE_URL``. Revisions never import storage.models: render_item below writes
plain SQLAlchemy types, so an old revision keeps working when the models change.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Enum
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render linli's custom column types as the plain types they are stored as."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, Enum) and not obj.native_enum:
        # Stored as VARCHAR without a CHECK: adding an enum member needs no migration.
        return f"sa.String(length={obj.length})"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        **kwargs,
    )


def run_on_connection(connection: Connection) -> None:
    # SQLite can only ALTER a table by copying it: batch mode does that for autogenerate.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or config.get_main_option("sqlalchemy.url") or os.environ.get("LINLI_DATABASE_URL")
    if not url:
        raise SystemExit("No database: pass -x url=... or set LINLI_DATABASE_URL")
    return url


async def _run_with_own_engine() -> None:
    db = Database(_url())
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(run_on_connection)
    finally:
        await db.dispose()


if context.is_offline_mode():
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()
elif (given := config.attributes.get("connection")) is not None:
    run_on_connection(given)
else:
    asyncio.run(_run_with_own_engine())
