"""Recording an update begins the updates that waited only for it, instead of announcing
it to every process; a turn begun for a process is announced to that process alone.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

Before, every recorded update was announced to every process ('r <update_id> <chat_id>'),
and PostgreSQL wakes every listening connection for each announcement; a process whose
update waited on a gap counted the announcements and asked again once the missing ids might
all have come: a second call for a quarter to a third of the updates at N = 2 (1.25 to 1.51
turn calls per update in PostgreSQL's statement log of 400-update runs).

- **Recording begins.** The call that records an update (linli_chat_turn recording, and
  linli_chat_record_unordered for an update without a chat) tries to begin, for whichever
  process holds them, the waiting updates of other chats above it, lowest first, each its
  chat's lowest (linli_chat_begin_above), as linli_chat_done does for the chat's own next
  update (revision 0017). It stops at the first that still misses a lower id (every one
  above misses it too). Another chat's lock is only tried (pg_try_advisory_xact_lock): when
  it is taken, that update's process is told to ask again ('d'). Recorded updates are no
  longer announced.
- **The sequence lock.** A recording call's new row is seen by nobody until it commits, so
  two recording calls could each miss the other: update k deciding that it waits for k - 1
  while the call recording k - 1 looks above itself and does not see k yet. Recording calls
  therefore take one transaction lock in turn (a one-key advisory lock, after their own
  chat's), before they look above themselves or decide their own update waits; the later of
  two sees the earlier's row. They hold no lock that another call waits for while they wait
  for it, and while they hold it they only try other chats' locks, so no deadlock can form.
- **To the process that holds it.** A turn begun for a process ('c'), or a waiting update
  told to ask again ('d') by a done or recording call, is announced on that process's own
  channel, 'linli_chat_queue_<owner>', not to every process; a hand-over to the calling
  process is not announced at all (the call returns it). What every process may wait on
  ('w', a dead process's 'd') stays on 'linli_chat_queue'.

linli_chat_lock_key(chat) is the chat's 32-bit lock key, as chat_lock_key in
storage/repositories/chat_queue.py computes it. No table changes; the downgrade puts back
revision 0017's linli_chat_done and 0019's linli_chat_turn, and drops the new functions.
"""

from collections.abc import Sequence

from alembic import op

from storage.migrate import revision_module


revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


LOCK_KEY_FUNCTION = """
CREATE FUNCTION linli_chat_lock_key(p_chat bigint) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE WHEN (p_chat & 4294967295) >= 2147483648
        THEN (p_chat & 4294967295) - 4294967296 ELSE p_chat & 4294967295 END)::integer
$$
"""

# The waiting updates above the recorded one, each its chat's lowest (a higher one of the same
# chat would only be busy), lowest first. linli_chat_turn (not recording) begins one if it
# may, under its chat's lock; 'gap <n>' means a lower id is still missing, for every update
# above too.
BEGIN_ABOVE_FUNCTION = """
CREATE FUNCTION linli_chat_begin_above(
    p_chat bigint, p_update bigint, p_namespace integer, p_stale double precision
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    waiting record;
    lock_key integer;
    found_turn text;
BEGIN
    FOR waiting IN
        SELECT w.chat_id, w.update_id, w.owner FROM (
            SELECT DISTINCT ON (q.chat_id) q.chat_id, q.update_id, q.owner
            FROM chat_queue AS q
            WHERE q.update_id > p_update AND q.chat_id <> p_chat
            AND q.handled_at IS NULL AND q.claimed_at IS NULL
            AND q.seen_at > clock_timestamp() - make_interval(secs => p_stale)
            ORDER BY q.chat_id, q.update_id
        ) AS w ORDER BY w.update_id
    LOOP
        lock_key := linli_chat_lock_key(waiting.chat_id);
        IF NOT pg_try_advisory_xact_lock(p_namespace, lock_key) THEN
            -- A call of that chat is under way: its process asks again once it is done.
            PERFORM pg_notify('linli_chat_queue_' || waiting.owner, 'd ' || waiting.chat_id);
            CONTINUE;
        END IF;
        found_turn := linli_chat_turn(
            waiting.chat_id, waiting.update_id, waiting.owner, p_namespace, lock_key, p_stale,
            false, false
        );
        EXIT WHEN found_turn LIKE 'gap%';
        IF found_turn = 'claimed' THEN
            PERFORM pg_notify(
                'linli_chat_queue_' || waiting.owner,
                'c ' || waiting.chat_id || ' ' || waiting.update_id
            );
        END IF;
    END LOOP;
END
$$
"""

_ANNOUNCED_0017 = (
    "            PERFORM pg_notify('linli_chat_queue', 'r ' || p_update || ' ' || p_chat);\n"
)
SEQUENCE_LOCK = int.from_bytes(b"linliseq", "big")
"""The one-key transaction lock that recording calls take in turn (see _BEGINS_ABOVE)."""

# Recorded: instead of announcing it to every process, begin the updates above it that
# waited for it. A recording call (whose new row nobody else sees until it commits) takes
# the sequence lock before it looks above itself and before it decides that its own update
# waits on a gap, and keeps it to its commit: of two recording calls, the later sees the
# earlier's row, so an update cannot decide to wait for an id while the call recording that
# id misses it. Only recording calls take it; they wait for no other lock while they hold
# it (other chats' locks are only tried), and no call waits for it while holding one.
_BEGINS_ABOVE = (
    f"            PERFORM pg_advisory_xact_lock({SEQUENCE_LOCK});\n"
    + "            PERFORM linli_chat_begin_above(p_chat, p_update, p_namespace, p_stale);\n"
)


_HANDED_0017 = """        PERFORM pg_notify('linli_chat_queue', 'c ' || p_chat || ' ' || next_update);
        RETURN next_update;
"""
_HANDED = """        IF next_owner <> p_owner THEN
            PERFORM pg_notify(
                'linli_chat_queue_' || next_owner, 'c ' || p_chat || ' ' || next_update
            );
        END IF;
        RETURN next_update;
"""
_ASK_AGAIN_0017 = "    PERFORM pg_notify('linli_chat_queue', 'd ' || p_chat);\n"
_ASK_AGAIN = "    PERFORM pg_notify('linli_chat_queue_' || next_owner, 'd ' || p_chat);\n"


# An update with no chat, recorded as handled (it needs no turn), begins the updates above
# it that waited only for its id, as a chat's recording call does (revision 0014 recorded
# it with a statement of the repository's, announcing it to every process instead).
RECORD_UNORDERED_FUNCTION = f"""
CREATE FUNCTION linli_chat_record_unordered(
    p_update bigint, p_owner bigint, p_namespace integer, p_stale double precision
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO chat_queue (chat_id, update_id, owner, received_at, claimed_at, seen_at,
        handled_at)
    VALUES (0, p_update, p_owner, clock_timestamp(), clock_timestamp(), clock_timestamp(),
        clock_timestamp())
    ON CONFLICT (chat_id, update_id) DO NOTHING;
    IF FOUND THEN
        PERFORM pg_advisory_xact_lock({SEQUENCE_LOCK});
        PERFORM linli_chat_begin_above(0, p_update, p_namespace, p_stale);
    END IF;
END
$$
"""


def _done_function_0017() -> str:
    sql: str = revision_module("0017").DONE_FUNCTION
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def done_function() -> str:
    """linli_chat_done as of this revision: revision 0017's, announcing to the process that
    holds the next update only, and not at all when that is the calling process."""
    sql = _done_function_0017()
    assert sql.count(_HANDED_0017) == 1 and sql.count(_ASK_AGAIN_0017) == 1
    return sql.replace(_HANDED_0017, _HANDED).replace(_ASK_AGAIN_0017, _ASK_AGAIN)


def _turn_function_0019() -> str:
    return str(revision_module("0019").turn_function())


def turn_function() -> str:
    """linli_chat_turn as of this revision: revision 0019's, beginning the updates above a
    newly recorded one that waited only for it."""
    sql = _turn_function_0019()
    assert sql.count(_ANNOUNCED_0017) == 1
    return sql.replace(_ANNOUNCED_0017, _BEGINS_ABOVE)


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(LOCK_KEY_FUNCTION)
        op.execute(BEGIN_ABOVE_FUNCTION)
        op.execute(turn_function())
        op.execute(done_function())
        op.execute(RECORD_UNORDERED_FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION linli_chat_record_unordered(bigint, bigint, integer, "
            "double precision)"
        )
        op.execute(_done_function_0017())
        op.execute(_turn_function_0019())
        op.execute(
            "DROP FUNCTION linli_chat_begin_above(bigint, bigint, integer, double precision)"
        )
        op.execute("DROP FUNCTION linli_chat_lock_key(bigint)")
