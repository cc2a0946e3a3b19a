"""Recording an update begins the updates that waited only for it, in the same call; a
turn begun for a process is announced to that process alone.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

With several processes behind the webhook, update k often reaches its process before update
k - 1 has been recorded by another: k waits on the gap, hears k - 1 announced ('r'), and
asks again, a second call for about a third of the updates at N = 2 (1.51 turn calls per
update in PostgreSQL's statement log of a 400-update run). Now the call that records an
update also tries to begin, for whichever process holds them, the lowest waiting updates of
other chats above it (linli_chat_begin_above), as linli_chat_done does for the chat's own
next update (revision 0017): one that begins is announced 'c <chat_id> <update_id>', and its
process starts it without asking again.

The recording call holds its own chat's transaction lock; it takes another chat's only if
that lock is free (pg_try_advisory_xact_lock), so two recording calls never wait for each
other's chats, and a chat whose lock is busy is left to its process, which hears the 'r' as
before. It stops at the first update that still misses a lower id (every one above misses
it too).

A turn begun for another process ('c'), and linli_chat_done's 'd' for a waiting update that
may not begin yet, go to that process's own channel, 'linli_chat_queue_<owner>', instead of
waking every process; a hand-over to the calling process is not announced at all (the call
returns it). What every process may wait on ('r', 'w', a dead process's 'd') stays on
'linli_chat_queue'.

linli_chat_lock_key(chat) is the chat's 32-bit lock key, as chat_lock_key in
storage/repositories/chat_queue.py computes it. No table changes; the downgrade puts back
revision 0017's linli_chat_done and 0019's linli_chat_turn, and drops the two functions.
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
        CONTINUE WHEN NOT pg_try_advisory_xact_lock(p_namespace, lock_key);
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
_BEGINS_ABOVE = (
    _ANNOUNCED_0017
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


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_done_function_0017())
        op.execute(_turn_function_0019())
        op.execute(
            "DROP FUNCTION linli_chat_begin_above(bigint, bigint, integer, double precision)"
        )
        op.execute("DROP FUNCTION linli_chat_lock_key(bigint)")
