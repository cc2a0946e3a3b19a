"""The per-chat queue of updates and the watermark of Telegram's update sequence
(storage.models.QueuedUpdate, UpdateWatermark), PostgreSQL only.

Functions take a connection and never commit; each is one statement, so on an autocommit
connection (``Database.companion(autocommit=True)``) each is one round trip.
Every time is the server's ``clock_timestamp()``, so processes on hosts with skewed clocks
agree on ages. Recorded updates are not announced (revision 0021: the recording call
begins the updates that waited for it). What a waiting update needs to hear is announced:

- on ``CHANNEL``, to every process: ``d <chat_id>`` when the chat's waiting updates should
  ask again (its process was taken for dead or stopped), ``w <update_id>`` when every
  update_id up to it counts as received because an update waited long enough for a missing
  one (revision 0019);
- on ``owner_channel(owner)``, to the process that holds the update: ``c <chat_id>
  <update_id> [<owed>]`` when a done update handed the chat's turn to it or a recording call
  began it (its process starts it without asking again; a hand-over to the calling process
  is its call's answer instead), with what a private chat's person owes (revision 0022:
  ``owed_ahead``), ``d <chat_id>`` when it should ask again (its chat's update done
  before it could not begin it yet, or a recording call found its chat's lock taken).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.repositories.awaiting import OwedRow

CHANNEL = "linli_chat_queue"


def owner_channel(owner: int) -> str:
    """The channel of one process's own announcements (revision 0021): a turn begun for it
    ('c'), its waiting update to ask again ('d')."""
    return f"{CHANNEL}_{owner}"


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


class OwedAhead(NamedTuple):
    """What a private chat's person owed as their update's turn began, read by the call that
    began it (revision 0022): ``read`` False when it was not read (a group's update, or a
    call that did not ask), else ``row`` (None: they owed nothing)."""

    read: bool
    row: OwedRow | None = None


NOT_READ = OwedAhead(read=False)


def owed_ahead(note: str | None) -> OwedAhead:
    """linli_chat_owed's text: NULL (not read), '-' (nothing owed), or '<kind> <expires_at
    in UTC, ISO, or -> <reference>'."""
    if note is None:
        return NOT_READ
    if note == "-":
        return OwedAhead(read=True)
    kind, expires_at, reference = note.split(" ", 2)
    expires = None if expires_at == "-" else datetime.fromisoformat(expires_at).replace(tzinfo=UTC)
    return OwedAhead(read=True, row=OwedRow(kind, reference, expires))


class TurnAnswer(NamedTuple):
    """linli_chat_turn's answer: what it found, and for a gap how many lower update_ids have
    reached no process yet (None when not known: the sequence has no watermark yet); with
    ``take_turn(read_owed=True)`` and a turn begun, what the chat's person owed then."""

    turn: Turn
    missing: int | None = None
    owed: OwedAhead = NOT_READ


class Handover(NamedTuple):
    """The update a done call began for the calling process, and what its person owes."""

    update_id: int
    owed: OwedAhead


def chat_lock_key(chat_id: int) -> int:
    """The chat's 32-bit lock key (two chats sharing one only queue their claims together)."""
    low = chat_id & 0xFFFFFFFF
    return low - (1 << 32) if low >= 1 << 31 else low


_TURN = text(
    "SELECT linli_chat_turn(:chat, :update, :owner, :namespace, :lock, :stale, :record, :give_up)"
)

# Revision 0022: the same call, and when the turn begins what the chat's person owes, read
# after the turn began (so it sees the chat's previous update's writes).
_TURN_READING_OWED = text(
    "SELECT turn, owed FROM linli_chat_turn_reading_owed("
    ":chat, :update, :owner, :namespace, :lock, :stale, :record, :give_up)"
)

_RECORD_UNORDERED = text("SELECT linli_chat_record_unordered(:update, :owner, :namespace, :stale)")

_DONE_MANY = text(
    "SELECT chat_id, update_id, handed"
    " FROM linli_chat_done_many(:chats, :updates, :owner, :namespace, :stale)"
)


# The heartbeat's statements change many chats' rows at once without their chats' locks, so
# they never wait for a row: a row locked now is in a call of its chat's (which takes its
# rows in its own order), and waiting for it let the two wait for each other until
# PostgreSQL's deadlock check broke the tie a second later (every update behind both waited
# that second; the bench_scale runs of the tenth session show it). A row skipped is taken
# at the next beat: a row goes stale only after four beats without a touch. The release at
# a stop does the same: another process's done call may be handing one of the stopping
# process's rows over (a rolling restart under load) while it goes on to another.
def _free_rows(where: str) -> str:
    """``FROM``/``USING`` the rows matching ``where`` that no call holds now, locked for the
    statement, joined to the statement's table ``q``."""
    return (
        f"(SELECT chat_id, update_id FROM chat_queue WHERE {where} FOR UPDATE SKIP LOCKED)"
        " AS t WHERE q.chat_id = t.chat_id AND q.update_id = t.update_id"
    )


_OPEN_OF = "owner = :owner AND handled_at IS NULL"

# Tell the processes holding the chats released (their waiting updates ask again).
_RELEASED = (
    " RETURNING q.chat_id"
    ") SELECT pg_notify(:channel, 'd ' || chat_id) FROM (SELECT DISTINCT chat_id FROM s) AS c"
)

_TOUCH = text(f"UPDATE chat_queue AS q SET seen_at = clock_timestamp() FROM {_free_rows(_OPEN_OF)}")

# A dead process's rows stay as the record that their updates arrived; they hold nothing.
_FORGET_STALE = text(
    "WITH s AS (UPDATE chat_queue AS q SET handled_at = clock_timestamp() FROM "
    + _free_rows(
        "handled_at IS NULL AND seen_at < clock_timestamp() - make_interval(secs => :stale)"
    )
    + _RELEASED
)

_RELEASE_OWNER = text(
    "WITH s AS (UPDATE chat_queue AS q SET handled_at = clock_timestamp() FROM "
    + _free_rows(_OPEN_OF)
    + _RELEASED
)

_OPEN_OF_OWNER = text(f"SELECT count(*) FROM chat_queue WHERE {_OPEN_OF}")

_PRUNE = text(
    "DELETE FROM chat_queue AS q USING "
    + _free_rows(
        "handled_at < clock_timestamp() - make_interval(secs => :keep)"
        " AND update_id <= (SELECT update_id FROM update_watermark WHERE id = 1)"
    )
)


def _turn_params(chat_id: int, update_id: int, owner: int, stale_s: float) -> dict[str, object]:
    return {
        "chat": chat_id,
        "update": update_id,
        "owner": owner,
        "namespace": CHAT_LOCK_NAMESPACE,
        "lock": chat_lock_key(chat_id),
        "stale": stale_s,
    }


async def take_turn(
    connection: AsyncConnection,
    chat_id: int,
    update_id: int,
    owner: int,
    *,
    stale_s: float,
    record: bool,
    give_up_gap: bool,
    read_owed: bool = False,
) -> TurnAnswer:
    """Record an update just received (``record``) or ask again for its turn, and begin
    the turn if every earlier update_id has reached some process (or ``give_up_gap``: stop
    waiting for those that have not), none of the chat's earlier updates is waiting and
    none of its updates is running. Rows not seen for ``stale_s`` belong to dead processes
    and hold nothing. A gap comes with the number of missing update_ids when it is known.
    With ``read_owed``, a private chat's turn begun comes with what its person owes."""
    params = _turn_params(chat_id, update_id, owner, stale_s)
    params |= {"record": record, "give_up": give_up_gap}
    owed = NOT_READ
    if read_owed:
        row = (await connection.execute(_TURN_READING_OWED, params)).one()
        answer, owed = str(row.turn), owed_ahead(row.owed)
    else:
        answer = str((await connection.execute(_TURN, params)).scalar_one())
    if answer.startswith(f"{Turn.GAP} "):  # 'gap <n>' (revision 0017)
        return TurnAnswer(Turn.GAP, int(answer.removeprefix(f"{Turn.GAP} ")))
    return TurnAnswer(Turn(answer), owed=owed)


async def record_handled(
    connection: AsyncConnection, update_id: int, owner: int, *, stale_s: float
) -> None:
    """Record an update that needs no turn (it has no chat), so nobody waits for its id:
    the updates above it that waited only for it begin (revision 0021)."""
    params = {"update": update_id, "owner": owner, "namespace": CHAT_LOCK_NAMESPACE}
    await connection.execute(_RECORD_UNORDERED, params | {"stale": stale_s})


async def mark_handled(
    connection: AsyncConnection,
    done: Sequence[tuple[int, int]],
    owner: int,
    *,
    stale_s: float,
) -> list[Handover | None]:
    """``owner``'s updates ``done`` (chat, update_id) are handled (or given up), in one call
    (revision 0023); each chat's next waiting update, in whichever process, begins if it may
    (revision 0017). Returns, for each, the update that began for ``owner`` itself, with
    what a private chat's person owes (revision 0022)."""
    params = {
        "chats": [chat for chat, _ in done],
        "updates": [update for _, update in done],
        "owner": owner,
        "namespace": CHAT_LOCK_NAMESPACE,
        "stale": stale_s,
    }
    rows = await connection.execute(_DONE_MANY, params)
    handed = {(row.chat_id, row.update_id): row.handed for row in rows}
    return [handover(handed[pair]) for pair in done]


def handover(answer: str | None) -> Handover | None:
    """A done call's answer, or a 'c' announcement's tail: '<update> [<owed>]'."""
    if answer is None:
        return None
    update, _, owed = answer.partition(" ")
    return Handover(int(update), owed_ahead(owed or None))


async def touch_owner(connection: AsyncConnection, owner: int) -> int:
    """Show that ``owner``'s process is alive: its open rows are seen now, but for any a
    call holds at this moment (touched at the next beat); returns how many."""
    result = await connection.execute(_TOUCH, {"owner": owner})
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_stale(connection: AsyncConnection, stale_s: float) -> int:
    """Release the open rows of processes not seen for ``stale_s`` seconds (those a call
    holds at this moment at the next beat); returns how many chats they held."""
    result = await connection.execute(_FORGET_STALE, {"stale": stale_s, "channel": CHANNEL})
    return len(result.all())


async def release_owner(connection: AsyncConnection, owner: int) -> int:
    """Release the open rows of ``owner`` (its process is stopping) but for any a call holds
    at this moment; returns how many are still open (call again for them)."""
    await connection.execute(_RELEASE_OWNER, {"owner": owner, "channel": CHANNEL})
    return int((await connection.execute(_OPEN_OF_OWNER, {"owner": owner})).scalar_one())


async def prune(connection: AsyncConnection, keep_s: float) -> int:
    """Delete handled rows the watermark has passed and older than ``keep_s`` (kept that
    long to recognise a repeated delivery); returns how many."""
    result = await connection.execute(_PRUNE, {"keep": keep_s})
    return int(getattr(result, "rowcount", 0) or 0)
