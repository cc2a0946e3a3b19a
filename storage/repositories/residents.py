"""Residents: the people who write to linli, their language and their role.

Functions take the session of the caller's transaction and never commit. Creating a
resident is an INSERT ... ON CONFLICT (telegram_id) DO UPDATE, so two updates from the same
person processed at once (or two bot processes) never collide on the unique key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ScalarResult, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LANGUAGES, Resident, Role


def _insert(
    session: AsyncSession, values: dict[str, Any] | list[dict[str, Any]]
) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT of residents, which can say ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Resident).values(values)
    if dialect == "sqlite":
        return sqlite.insert(Resident).values(values)
    raise NotImplementedError(f"no upsert for {dialect}")


async def _upserted(
    session: AsyncSession, stmt: postgresql.Insert | sqlite.Insert, on_conflict_set: dict[str, Any]
) -> ScalarResult[Resident]:
    """``stmt``, updating ``on_conflict_set`` where the telegram_id exists; the rows."""
    upsert = stmt.on_conflict_do_update(index_elements=[Resident.telegram_id], set_=on_conflict_set)
    # populate_existing: a Resident already in this session's identity map gets the new values.
    return await session.scalars(
        upsert.returning(Resident), execution_options={"populate_existing": True}
    )


async def get_resident(session: AsyncSession, telegram_id: int) -> Resident | None:
    """The resident with this Telegram user id, or None if they never wrote to linli."""
    return await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))


@dataclass(frozen=True, slots=True)
class Arrival:
    """A person who just wrote to linli, as their update shows them."""

    telegram_id: int
    chat_id: int
    display_name: str
    language: str | None = None  # from their Telegram client; kept only if they have none


async def upsert_resident(
    session: AsyncSession,
    *,
    telegram_id: int,
    chat_id: int,
    display_name: str,
    now: datetime,
    language: str | None = None,
) -> Resident:
    """Register one resident, or refresh them: see upsert_residents."""
    arrival = Arrival(telegram_id, chat_id, display_name, language)
    [resident] = await upsert_residents(session, [arrival], now)
    return resident


async def upsert_residents(
    session: AsyncSession, arrivals: Sequence[Arrival], now: datetime
) -> list[Resident]:
    """Register residents on first contact, or refresh name, chat and last_seen (active
    again); returns each arrival's row, in order.

    Language and role chosen earlier are kept; an arrival's ``language`` is set when the
    resident has none yet. One statement for them all. A person twice among the arrivals
    is written once, with the later values; rows are written in telegram_id order, so two
    processes registering the same people at once wait for each other instead of
    deadlocking (PostgreSQL).
    """
    latest = {arrival.telegram_id: arrival for arrival in arrivals}
    values = [
        {
            "telegram_id": a.telegram_id,
            "chat_id": a.chat_id,
            "display_name": a.display_name,
            "language": a.language,
            "role": Role.RESIDENT,
            "active": True,
            "first_seen": now,
            "last_seen": now,
        }
        for a in sorted(latest.values(), key=lambda a: a.telegram_id)
    ]
    stmt = _insert(session, values)
    refreshed = {
        "chat_id": stmt.excluded.chat_id,
        "display_name": stmt.excluded.display_name,
        "last_seen": stmt.excluded.last_seen,
        "active": True,
        "language": func.coalesce(Resident.__table__.c.language, stmt.excluded.language),
    }
    rows = await _upserted(session, stmt, refreshed)
    by_id = {resident.telegram_id: resident for resident in rows}
    return [by_id[arrival.telegram_id] for arrival in arrivals]


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
    return (await _upserted(session, _insert(session, values), {"role": role})).one()


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
