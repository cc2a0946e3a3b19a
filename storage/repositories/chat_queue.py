"""The per-chat queue of updates being handled (storage.models.QueuedUpdate), PostgreSQL only.

Functions take the caller's session and never commit. Every time is the server's
``clock_timestamp()``, so processes on hosts with skewed clocks agree on ages.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CHAT_LOCK_NAMESPACE = int.from_bytes(b"lnco", "big")
"""First key of the two-key transaction lock on a chat ("lnco"); the second is the chat."""


class Claim(StrEnum):
    """What an attempt to start an update's turn found."""

    CLAIMED = "claimed"  # the update's turn has begun: handle it, then delete its row
    WAITING = "waiting"  # a lower update of the chat is waiting, or another one is running
    MISSING = "missing"  # its row is gone (its process was taken for dead): add it again


def chat_lock_key(chat_id: int) -> int:
    """The chat's 32-bit lock key (two chats sharing one only queue their claims together)."""
    low = chat_id & 0xFFFFFFFF
    return low - (1 << 32) if low >= 1 << 31 else low


_ADD = text(
    "INSERT INTO chat_queue (chat_id, update_id, owner, received_at, claimed_at, seen_at) "
    "VALUES (:chat, :update, :owner, clock_timestamp(), NULL, clock_timestamp()) "
    "ON CONFLICT (chat_id, update_id) DO NOTHING RETURNING update_id"
)

_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, :key)")

# Under the chat's lock, so two processes never both see the chat free (READ COMMITTED
# would let their checks pass side by side). Rows not seen for ``stale`` seconds belong to
# dead processes and hold nothing.
_CLAIM = text(
    "UPDATE chat_queue AS q SET seen_at = clock_timestamp(), "
    "claimed_at = CASE WHEN NOT EXISTS ("
    " SELECT 1 FROM chat_queue AS o"
    " WHERE o.chat_id = q.chat_id AND o.update_id <> q.update_id"
    " AND o.seen_at > clock_timestamp() - make_interval(secs => :stale)"
    " AND (o.claimed_at IS NOT NULL OR o.update_id < q.update_id)"
    ") THEN clock_timestamp() END "
    "WHERE q.chat_id = :chat AND q.update_id = :update "
    "RETURNING q.claimed_at IS NOT NULL"
)

_DELETE = text("DELETE FROM chat_queue WHERE chat_id = :chat AND update_id = :update")

_TOUCH = text("UPDATE chat_queue SET seen_at = clock_timestamp() WHERE owner = :owner")

_FORGET_STALE = text(
    "DELETE FROM chat_queue WHERE seen_at < clock_timestamp() - make_interval(secs => :stale)"
)

_DELETE_OWNER = text("DELETE FROM chat_queue WHERE owner = :owner")


async def add_queued_update(
    session: AsyncSession, chat_id: int, update_id: int, owner: int
) -> bool:
    """Queue an update just received; False when it is queued already (a repeated delivery
    another process is handling)."""
    params = {"chat": chat_id, "update": update_id, "owner": owner}
    return (await session.execute(_ADD, params)).first() is not None


async def claim_queued_update(
    session: AsyncSession, chat_id: int, update_id: int, *, stale_s: float
) -> Claim:
    """Begin the update's turn if it is the chat's lowest waiting update and none of the
    chat's updates is running (taking the chat's transaction lock first)."""
    await session.execute(_LOCK, {"namespace": CHAT_LOCK_NAMESPACE, "key": chat_lock_key(chat_id)})
    params = {"chat": chat_id, "update": update_id, "stale": stale_s}
    row = (await session.execute(_CLAIM, params)).first()
    if row is None:
        return Claim.MISSING
    return Claim.CLAIMED if row[0] else Claim.WAITING


async def delete_queued_update(session: AsyncSession, chat_id: int, update_id: int) -> None:
    """The update is handled (or given up): its row goes, and the chat's next may start."""
    await session.execute(_DELETE, {"chat": chat_id, "update": update_id})


async def touch_owner(session: AsyncSession, owner: int) -> int:
    """Show that ``owner``'s process is alive: its rows are seen now; returns how many."""
    result = await session.execute(_TOUCH, {"owner": owner})
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_stale(session: AsyncSession, stale_s: float) -> int:
    """Delete the rows of processes not seen for ``stale_s`` seconds; returns how many."""
    result = await session.execute(_FORGET_STALE, {"stale": stale_s})
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_owner(session: AsyncSession, owner: int) -> None:
    """Delete every row of ``owner`` (its process is stopping)."""
    await session.execute(_DELETE_OWNER, {"owner": owner})
