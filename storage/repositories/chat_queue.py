"""The per-chat queue of updates and the watermark of Telegram's update sequence
(storage.models.QueuedUpdate, UpdateWatermark), PostgreSQL only.

Functions take a connection and never commit; each is one statement, so on an autocommit
connection (``Database.companion(autocommit=True)``) each is one round trip.
Every time is the server's ``clock_timestamp()``, so processes on hosts with skewed clocks
agree on ages. What changes a chat's or the sequence's state is announced on the
``CHANNEL`` notification channel: ``r <update_id> <chat_id>`` when an update is recorded, ``d
<chat_id>`` when one of the chat's updates is done (handled, given up, or its process
taken for dead).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

CHANNEL = "linli_chat_queue"

CHAT_LOCK_NAMESPACE = int.from_bytes(b"lnco", "big")
"""First key of the two-key transaction lock on a chat ("lnco"); the second is the chat."""

UNORDERED_CHAT = 0
"""The chat_id recorded for an update that has no chat (Telegram's chat ids are never 0)."""


class Turn(StrEnum):
    """What an attempt to begin an update's turn found (linli_chat_turn, revision 0011)."""

    CLAIMED = "claimed"  # the update's turn has begun: handle it, then mark it handled
    CLAIMED_PAST_GAP = "claimed past a gap"  # begun, having given up a missing update_id
    BUSY = "busy"  # an earlier update of the chat waits, or another of its updates runs
    GAP = "gap"  # an earlier update_id has reached no process yet (it may be this chat's)
    REPEATED = "repeated"  # another process has this update (a repeated delivery)


def chat_lock_key(chat_id: int) -> int:
    """The chat's 32-bit lock key (two chats sharing one only queue their claims together)."""
    low = chat_id & 0xFFFFFFFF
    return low - (1 << 32) if low >= 1 << 31 else low


_TURN = text(
    "SELECT linli_chat_turn(:chat, :update, :owner, :namespace, :lock, :stale, :record, :give_up)"
)

_RECORD_HANDLED = text(
    "WITH r AS ("
    " INSERT INTO chat_queue (chat_id, update_id, owner, received_at, claimed_at, seen_at,"
    " handled_at) VALUES (:chat, :update, :owner, clock_timestamp(), clock_timestamp(),"
    " clock_timestamp(), clock_timestamp())"
    " ON CONFLICT (chat_id, update_id) DO NOTHING RETURNING update_id"
    ") SELECT pg_notify(:channel, 'r ' || update_id || ' ' || :chat) FROM r"
)

_HANDLED = text(
    "WITH h AS ("
    " UPDATE chat_queue SET handled_at = clock_timestamp()"
    " WHERE chat_id = :chat AND update_id = :update AND owner = :owner AND handled_at IS NULL"
    " RETURNING chat_id"
    ") SELECT pg_notify(:channel, 'd ' || chat_id) FROM h"
)

_TOUCH = text(
    "UPDATE chat_queue SET seen_at = clock_timestamp() WHERE owner = :owner AND handled_at IS NULL"
)

# A dead process's rows stay as the record that their updates arrived; they hold nothing.
_FORGET_STALE = text(
    "WITH s AS ("
    " UPDATE chat_queue SET handled_at = clock_timestamp() WHERE handled_at IS NULL"
    " AND seen_at < clock_timestamp() - make_interval(secs => :stale) RETURNING chat_id"
    ") SELECT pg_notify(:channel, 'd ' || chat_id) FROM (SELECT DISTINCT chat_id FROM s) AS c"
)

_RELEASE_OWNER = text(
    "WITH s AS ("
    " UPDATE chat_queue SET handled_at = clock_timestamp()"
    " WHERE owner = :owner AND handled_at IS NULL RETURNING chat_id"
    ") SELECT pg_notify(:channel, 'd ' || chat_id) FROM (SELECT DISTINCT chat_id FROM s) AS c"
)

_PRUNE = text(
    "DELETE FROM chat_queue WHERE handled_at < clock_timestamp() - make_interval(secs => :keep)"
    " AND update_id <= (SELECT update_id FROM update_watermark WHERE id = 1)"
)


async def take_turn(
    connection: AsyncConnection,
    chat_id: int,
    update_id: int,
    owner: int,
    *,
    stale_s: float,
    record: bool,
    give_up_gap: bool,
) -> Turn:
    """Record an update just received (``record``) or ask again for its turn, and begin
    the turn if every earlier update_id has reached some process (or ``give_up_gap``: stop
    waiting for those that have not), none of the chat's earlier updates is waiting and
    none of its updates is running. Rows not seen for ``stale_s`` belong to dead processes
    and hold nothing."""
    params = {
        "chat": chat_id,
        "update": update_id,
        "owner": owner,
        "namespace": CHAT_LOCK_NAMESPACE,
        "lock": chat_lock_key(chat_id),
        "stale": stale_s,
        "record": record,
        "give_up": give_up_gap,
    }
    return Turn((await connection.execute(_TURN, params)).scalar_one())


async def record_handled(connection: AsyncConnection, update_id: int, owner: int) -> None:
    """Record an update that needs no turn (it has no chat), so nobody waits for its id."""
    params = {"chat": UNORDERED_CHAT, "update": update_id, "owner": owner, "channel": CHANNEL}
    await connection.execute(_RECORD_HANDLED, params)


async def mark_handled(
    connection: AsyncConnection, chat_id: int, update_id: int, owner: int
) -> None:
    """``owner``'s update is handled (or given up): the chat's next may start."""
    params = {"chat": chat_id, "update": update_id, "owner": owner, "channel": CHANNEL}
    await connection.execute(_HANDLED, params)


async def touch_owner(connection: AsyncConnection, owner: int) -> int:
    """Show that ``owner``'s process is alive: its open rows are seen now; returns how many."""
    result = await connection.execute(_TOUCH, {"owner": owner})
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_stale(connection: AsyncConnection, stale_s: float) -> int:
    """Release the open rows of processes not seen for ``stale_s`` seconds; returns how
    many chats they held."""
    result = await connection.execute(_FORGET_STALE, {"stale": stale_s, "channel": CHANNEL})
    return len(result.all())


async def release_owner(connection: AsyncConnection, owner: int) -> None:
    """Release every open row of ``owner`` (its process is stopping)."""
    await connection.execute(_RELEASE_OWNER, {"owner": owner, "channel": CHANNEL})


async def prune(connection: AsyncConnection, keep_s: float) -> int:
    """Delete handled rows the watermark has passed and older than ``keep_s`` (kept that
    long to recognise a repeated delivery); returns how many."""
    result = await connection.execute(_PRUNE, {"keep": keep_s})
    return int(getattr(result, "rowcount", 0) or 0)
