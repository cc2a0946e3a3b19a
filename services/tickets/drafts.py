"""Draft upkeep: who is filing right now, and forgetting drafts left idle.

The Telegram layer keeps the set of residents with a draft in memory so that ordinary
questions cost no database read; ``draft_owners`` loads it at start and ``expire_drafts``
says whom to tell that their unfinished complaint was dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from services.tickets.core import TicketCore
from storage.models import FilingDraft, Resident


class DraftUpkeep(TicketCore):
    """Housekeeping over every resident's filing draft."""

    async def draft_owners(self) -> frozenset[int]:
        """Telegram ids of everyone with a filing draft (loaded once when linli starts)."""
        async with self._db.transaction() as session:
            stmt = select(Resident.telegram_id).join(
                FilingDraft, FilingDraft.resident_id == Resident.id
            )
            return frozenset(await session.scalars(stmt))

    async def expire_drafts(self, now: datetime, idle: timedelta) -> tuple[int, ...]:
        """Forget drafts untouched for longer than ``idle`` before ``now``; returns the
        Telegram ids of their owners, in one transaction.

        The age is re-checked in the DELETE itself, so a resident typing at that very moment
        (which moves ``updated_at``) keeps their draft.
        """
        cutoff = now - idle
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(FilingDraft)
                .where(FilingDraft.updated_at < cutoff)
                .returning(FilingDraft.resident_id)
            )
            resident_ids = [row[0] for row in result]
            if not resident_ids:
                return ()
            stmt = (
                select(Resident.telegram_id)
                .where(Resident.id.in_(resident_ids))
                .order_by(Resident.telegram_id)
            )
            return tuple(await session.scalars(stmt))
