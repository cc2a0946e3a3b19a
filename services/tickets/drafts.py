"""Draft upkeep: who is filing right now, and forgetting drafts left idle.

The Telegram layer keeps the set of residents with a draft in memory so that ordinary
questions cost no database read; ``draft_owners`` loads it at start and ``expire_drafts``
says whom to tell that their unfinished complaint was dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from services.draft_expiry import tell_owners
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
        """Forget drafts untouched for longer than ``idle`` before ``now`` and queue a
        "filing.expired" message to each owner, in one transaction; returns the owners'
        Telegram ids.

        The age is re-checked in the DELETE itself, so a resident typing at that very moment
        (which moves ``updated_at``) keeps their draft; the message goes through the outbox so
        that it is sent (and retried) even if linli stops right after the commit.
        """
        cutoff = now - idle
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(FilingDraft)
                .where(FilingDraft.updated_at < cutoff)
                .returning(FilingDraft.resident_id, FilingDraft.created_at)
            )
            started = {resident_id: created_at for resident_id, created_at in result}
            if not started:
                return ()
            stmt = select(Resident).where(Resident.id.in_(started)).order_by(Resident.telegram_id)
            owners = list(await session.scalars(stmt))
            await tell_owners(
                session,
                [(p, f"draft:{p.id}:{started[p.id].isoformat()}:expired") for p in owners],
                message_key="filing.expired",
                idle=idle,
                default_language=self.settings.default_language,
                now=now,
            )
            return tuple(person.telegram_id for person in owners)
