"""Topic subscriptions and the notice preferences kept on the resident's row.

Functions take the caller's session and never commit. Topic ids are checked by the service
(services.subscriptions.TOPICS); storage keeps whatever id it is given.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Resident, Subscription


async def list_topics(session: AsyncSession, resident_id: int) -> list[str]:
    """The topic ids this resident subscribed to, sorted."""
    stmt = (
        select(Subscription.topic)
        .where(Subscription.resident_id == resident_id)
        .order_by(Subscription.topic)
    )
    return list(await session.scalars(stmt))


async def add_subscription(
    session: AsyncSession, resident_id: int, topic: str, *, now: datetime
) -> bool:
    """Subscribe; False when the resident already was (INSERT ... ON CONFLICT DO NOTHING)."""
    values = {"resident_id": resident_id, "topic": topic, "since": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = (
            postgresql.insert(Subscription)
            .values(values)
            .on_conflict_do_nothing()
            .returning(Subscription.topic)
        )
    elif dialect == "sqlite":
        stmt = (
            sqlite.insert(Subscription)
            .values(values)
            .on_conflict_do_nothing()
            .returning(Subscription.topic)
        )
    else:
        raise NotImplementedError(f"no subscription insert for {dialect}")
    return (await session.execute(stmt)).first() is not None


async def remove_subscription(session: AsyncSession, resident_id: int, topic: str) -> bool:
    """Unsubscribe; False when the resident was not subscribed."""
    result = await session.execute(
        delete(Subscription)
        .where(Subscription.resident_id == resident_id, Subscription.topic == topic)
        .returning(Subscription.topic)
    )
    return result.first() is not None


async def claim_first_ask(session: AsyncSession, telegram_id: int) -> bool:
    """Mark the topic question as asked; True only for the one call that flipped the flag.

    A conditional UPDATE, so two updates from a new resident processed at once ask once.
    """
    result = await session.execute(
        update(Resident)
        .where(Resident.telegram_id == telegram_id, Resident.subscriptions_asked.is_(False))
        .values(subscriptions_asked=True)
        .returning(Resident.id)
    )
    return result.first() is not None
