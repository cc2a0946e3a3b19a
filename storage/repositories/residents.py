"""Residents: the people who write to linli, their language and their role.

Functions take the session of the caller's transaction and never commit. Creating a
resident is an INSERT ... ON CONFLICT (telegram_id) DO UPDATE, so two updates from the same
person processed at once (or two bot processes) never collide on the unique key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from storage.models import LANGUAGES, Resident, Role


def _upsert(
    session: AsyncSession,
    values: dict[str, Any],
    on_conflict_set: dict[str, Any],
    *,
    fill_language: bool = False,
) -> ReturningInsert[Resident]:
    """INSERT a resident, or UPDATE ``on_conflict_set`` if the telegram_id exists; RETURNING it.

    ``fill_language``: an existing row without a language takes the inserted one (a language
    chosen before is kept), in the same statement."""
    dialect = session.get_bind().dialect.name
    key = [Resident.telegram_id]
    if dialect == "postgresql":
        stmt: postgresql.Insert | sqlite.Insert = postgresql.insert(Resident).values(values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(Resident).values(values)
    else:
        raise NotImplementedError(f"no upsert for {dialect}")
    if fill_language:
        kept = func.coalesce(Resident.__table__.c.language, stmt.excluded.language)
        on_conflict_set = {**on_conflict_set, "language": kept}
    return stmt.on_conflict_do_update(index_elements=key, set_=on_conflict_set).returning(Resident)


async def _run_upsert(
    session: AsyncSession,
    values: dict[str, Any],
    on_conflict_set: dict[str, Any],
    *,
    fill_language: bool = False,
) -> Resident:
    stmt = _upsert(session, values, on_conflict_set, fill_language=fill_language)
    # populate_existing: a Resident already in this session's identity map gets the new values.
    result = await session.scalars(stmt, execution_options={"populate_existing": True})
    return result.one()


async def get_resident(session: AsyncSession, telegram_id: int) -> Resident | None:
    """The resident with this Telegram user id, or None if they never wrote to linli."""
    return await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))


async def upsert_resident(
    session: AsyncSession,
    *,
    telegram_id: int,
    chat_id: int,
    display_name: str,
    now: datetime,
    language: str | None = None,
) -> Resident:
    """Register a resident on first contact, or refresh name, chat and last_seen (active again).

    Language and role chosen earlier are kept; ``language`` (from their Telegram client) is
    set when they have none yet. One statement either way.
    """
    refreshed = {"chat_id": chat_id, "display_name": display_name, "last_seen": now}
    values = {
        "telegram_id": telegram_id,
        "role": Role.RESIDENT,
        "language": language,
        "first_seen": now,
        "active": True,
        **refreshed,
    }
    return await _run_upsert(session, values, {**refreshed, "active": True}, fill_language=True)


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
