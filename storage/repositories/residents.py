"""Residents: the people who write to linli, their language and their role.

Functions take the session of the caller's transaction and never commit. Creating a
resident is an INSERT ... ON CONFLICT (telegram_id) DO UPDATE, so two updates from the same
person processed at once (or two bot processes) never collide on the unique key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from storage.models import LANGUAGES, Resident, Role


def _upsert(
    session: AsyncSession, values: dict[str, Any], on_conflict_set: dict[str, Any]
) -> ReturningInsert[Resident]:
    """INSERT a resident, or UPDATE ``on_conflict_set`` if the telegram_id exists; RETURNING it."""
    dialect = session.get_bind().dialect.name
    key = [Resident.telegram_id]
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(Resident).values(values)
        return pg_stmt.on_conflict_do_update(index_elements=key, set_=on_conflict_set).returning(
            Resident
        )
    if dialect == "sqlite":
        lite_stmt = sqlite.insert(Resident).values(values)
        return lite_stmt.on_conflict_do_update(index_elements=key, set_=on_conflict_set).returning(
            Resident
        )
    raise NotImplementedError(f"no upsert for {dialect}")


async def _run_upsert(
    session: AsyncSession, values: dict[str, Any], on_conflict_set: dict[str, Any]
) -> Resident:
    stmt = _upsert(session, values, on_conflict_set)
    # populate_existing: a Resident already in this session's identity map gets the new values.
    result = await session.scalars(stmt, execution_options={"populate_existing": True})
    return result.one()


async def get_resident(session: AsyncSession, telegram_id: int) -> Resident | None:
    """The resident with this Telegram user id, or None if they never wrote to linli."""
    return await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))


async def upsert_resident(
    session: AsyncSession, *, telegram_id: int, chat_id: int, display_name: str, now: datetime
) -> Resident:
    """Register a resident on first contact, or refresh name, chat and last_seen (active again).

    Language and role chosen earlier are kept.
    """
    refreshed = {"chat_id": chat_id, "display_name": display_name, "last_seen": now}
    values = {
        "telegram_id": telegram_id,
        "role": Role.RESIDENT,
        "language": None,
        "first_seen": now,
        "active": True,
        **refreshed,
    }
    return await _run_upsert(session, values, {**refreshed, "active": True})


async def set_resident_language(
    session: AsyncSession, telegram_id: int, language: str | None
) -> Resident | None:
    """Store the resident's interface language (one of LANGUAGES, or None to forget it).

    Returns None if there is no such resident. Raises ValueError for an unknown language.
    """
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
    resident = await get_resident(session, telegram_id)
    if resident is not None:
        resident.language = language
        await session.flush()
    return resident


async def set_resident_role(
    session: AsyncSession, telegram_id: int, role: Role, *, now: datetime | None = None
) -> Resident:
    """Give a person a role, creating their row if they never wrote to linli.

    Such a row uses the user id as chat id (true for private chats) and an empty name until
    their first message fills them in.
    """
    now = now or datetime.now(UTC)
    values = {
        "telegram_id": telegram_id,
        "chat_id": telegram_id,
        "display_name": "",
        "language": None,
        "role": role,
        "active": True,
        "first_seen": now,
        "last_seen": now,
    }
    return await _run_upsert(session, values, {"role": role})


async def list_residents(
    session: AsyncSession, *, role: Role | None = None, active_only: bool = True
) -> list[Resident]:
    """Residents ordered by id, optionally only one role and (by default) only active ones."""
    stmt = select(Resident).order_by(Resident.id)
    if role is not None:
        stmt = stmt.where(Resident.role == role)
    if active_only:
        stmt = stmt.where(Resident.active.is_(True))
    return list(await session.scalars(stmt))


async def mark_inactive(session: AsyncSession, telegram_id: int) -> bool:
    """Stop sending to a resident (they blocked the bot); True if such a resident exists.

    Their next message makes them active again (upsert_resident).
    """
    result = await session.execute(
        update(Resident)
        .where(Resident.telegram_id == telegram_id)
        .values(active=False)
        .returning(Resident.id)
    )
    return result.first() is not None
