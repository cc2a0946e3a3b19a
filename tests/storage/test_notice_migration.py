"""Revision 0004: notices written before it get an updated_at from their latest change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Boolean, Integer, String, column, insert, select, table

from storage import Database
from storage.migrate import downgrade, upgrade
from storage.models import Notice, UTCDateTime

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
# The notices table as revision 0003 left it (the model already has updated_at).
NOTICES_0003 = table(
    "notices",
    column("id", Integer),
    column("text", String),
    column("audience_kind", String),
    column("urgent", Boolean),
    column("status", String),
    column("created_at", UTCDateTime()),
    column("confirmed_at", UTCDateTime()),
    column("queued_at", UTCDateTime()),
    column("cancelled_at", UTCDateTime()),
)


async def test_existing_notices_are_dated_by_their_latest_change(database: Database) -> None:
    await downgrade(database, "0003")
    later = T0 + timedelta(hours=1)
    last = later + timedelta(hours=1)
    changes = {  # status: confirmed_at, queued_at, cancelled_at
        "draft": (None, None, None),
        "scheduled": (later, None, None),
        "queued": (later, later, None),
        "cancelled": (later, None, last),
    }
    async with database.transaction() as session:
        for number, (status, (confirmed, queued, cancelled)) in enumerate(changes.items(), 1):
            await session.execute(
                insert(NOTICES_0003).values(
                    id=number,
                    text="通知",
                    audience_kind="all",
                    urgent=False,
                    status=status,
                    created_at=T0,
                    confirmed_at=confirmed,
                    queued_at=queued,
                    cancelled_at=cancelled,
                )
            )
    await upgrade(database)
    async with database.transaction() as session:
        dated = dict((await session.execute(select(Notice.id, Notice.updated_at))).all())
    assert dated == {1: T0, 2: later, 3: later, 4: last}
