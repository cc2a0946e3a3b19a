"""What expiring any kind of draft shares: telling its owner, through the outbox, that it
was dropped.

Filing drafts (services/tickets/system.py) and broadcast drafts
(services/notices/broadcasts.py) each drop their idle rows with one statement that
re-checks the age, then call this in the same transaction: the message is committed with
the change, so it is sent (and retried) even if linli stops right after the commit, and its
idempotency key keeps a repeated run from queueing it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Resident
from storage.repositories.outbox import add_message


async def tell_owners(
    session: AsyncSession,
    owners: Iterable[tuple[Resident, str]],
    *,
    message_key: str,
    idle: timedelta,
    default_language: str,
    now: datetime,
) -> None:
    """Queue ``message_key`` (its parameter: ``minutes``, the idle limit) to each owner, with
    the idempotency key paired with them; people who blocked linli are skipped."""
    minutes = int(idle.total_seconds() // 60)
    for person, idempotency_key in owners:
        if not person.active:
            continue
        await add_message(
            session,
            chat_id=person.chat_id,
            telegram_id=person.telegram_id,
            language=person.language or default_language,
            message_key=message_key,
            params={"minutes": minutes},
            idempotency_key=idempotency_key,
            now=now,
        )
