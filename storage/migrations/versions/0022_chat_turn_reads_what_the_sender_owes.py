"""The call that begins a private chat's update also reads what its sender owes.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

Every typed private message is routed by what its sender owes linli (the awaiting row,
handlers/awaiting.py): a primary-key read, and on PostgreSQL one more round trip per update
after the turn's, waking one more server process. With two processes on two cores those
wake-ups take cores from linli itself (PostgreSQL's statement log: turn 1.1, done 1,
awaiting read 1, query-log batch 0.2 to 0.4 statements per update).

So whichever call begins a private chat's update reads the row (a private chat's id is its
person's Telegram id; groups' ids are negative and read nothing), as linli_chat_owed(chat)
writes it: NULL for a group, '-' when nothing is owed, else '<kind> <expires_at in UTC,
ISO, or -> <reference>' (the reference last: it may hold spaces).

- linli_chat_turn_reading_owed(...): linli_chat_turn(...), and when the turn began the
  row; the process's own recording or asking call.
- linli_chat_done: a hand-over to another process is announced as 'c <chat> <update>
  <owed>' (its answer, the update handed over, is unchanged: a process of revision 0021
  still running during a rolling upgrade reads it as before; it cannot parse the longer
  announcement and finds its turn at its next 0.5 s recheck instead). Revision 0023's
  linli_chat_done_many returns a hand-over to the calling process with the owed row.
- linli_chat_begin_above: a turn begun for a waiting update announces 'c <chat> <update>
  <owed>'.

The row is read by a statement of its own after the turn began, so with a fresh snapshot
(each statement of a volatile function takes one): it sees every commit made before the turn
began, the chat's previous update's included, which had to be done, and so committed, for
this turn to begin. A subquery beside the turn call in one statement would not: it reads
with the statement's snapshot, taken before the call waited for the chat's lock.

No table changes; the downgrade puts back revision 0021's functions and drops the new ones.
"""

from collections.abc import Sequence

from alembic import op

from storage.migrate import revision_module

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OWED_FUNCTION = """
CREATE FUNCTION linli_chat_owed(p_chat bigint) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT CASE WHEN p_chat > 0 THEN coalesce((
        SELECT a.kind || ' '
            || coalesce(to_char(a.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                '-')
            || ' ' || a.reference
        FROM awaiting AS a WHERE a.telegram_id = p_chat
    ), '-') END
$$
"""

TURN_READING_OWED_FUNCTION = """
CREATE FUNCTION linli_chat_turn_reading_owed(
    p_chat bigint, p_update bigint, p_owner bigint, p_namespace integer, p_lock integer,
    p_stale double precision, p_record boolean, p_give_up boolean
) RETURNS TABLE (turn text, owed text) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    turn := linli_chat_turn(
        p_chat, p_update, p_owner, p_namespace, p_lock, p_stale, p_record, p_give_up
    );
    IF turn LIKE 'claimed%' THEN
        owed := linli_chat_owed(p_chat);
    END IF;
    RETURN NEXT;
END
$$
"""

_HANDED_0021 = """                'linli_chat_queue_' || next_owner, 'c ' || p_chat || ' ' || next_update
"""
_HANDED = """                'linli_chat_queue_' || next_owner, 'c ' || p_chat || ' ' || next_update
                    || coalesce(' ' || linli_chat_owed(p_chat), '')
"""

_BEGUN_0021 = """                'c ' || waiting.chat_id || ' ' || waiting.update_id
"""
_BEGUN = """                'c ' || waiting.chat_id || ' ' || waiting.update_id
                    || coalesce(' ' || linli_chat_owed(waiting.chat_id), '')
"""


def _replaced(sql: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert sql.count(old) == 1, old
        sql = sql.replace(old, new)
    return sql


def _done_function_0021() -> str:
    return str(revision_module("0021").done_function())


def done_function() -> str:
    """linli_chat_done as of this revision: a hand-over announced to another process comes
    with what the person owes."""
    return _replaced(_done_function_0021(), (_HANDED_0021, _HANDED))


def _begin_above_function_0021() -> str:
    sql: str = revision_module("0021").BEGIN_ABOVE_FUNCTION
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def begin_above_function() -> str:
    """linli_chat_begin_above as of this revision: a turn begun comes with what is owed."""
    return _replaced(_begin_above_function_0021(), (_BEGUN_0021, _BEGUN))


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(OWED_FUNCTION)
        op.execute(TURN_READING_OWED_FUNCTION)
        op.execute(begin_above_function())
        op.execute(done_function())


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_done_function_0021())
        op.execute(_begin_above_function_0021())
        op.execute(
            "DROP FUNCTION linli_chat_turn_reading_owed(bigint, bigint, bigint, integer, "
            "integer, double precision, boolean, boolean)"
        )
        op.execute("DROP FUNCTION linli_chat_owed(bigint)")
