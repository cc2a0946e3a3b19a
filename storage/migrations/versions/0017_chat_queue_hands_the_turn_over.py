"""The chat queue hands a chat's turn to its next update when the running one is done, and
says how many update_ids a waiting update still misses.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

linli_chat_done(...) (PostgreSQL only) marks an update handled and, under the chat's
transaction lock, tries to begin the turn of the chat's next waiting update for whichever
process holds it (through linli_chat_turn, so the rules are those of revision 0014). When it
begins, that process is told on 'linli_chat_queue' ('c <chat_id> <update_id>') and starts
without asking again; when it may not begin yet (an earlier update_id is still missing),
'd <chat_id>' wakes it to ask as before; when nothing of the chat waits, nobody is told.
Before this, every done update announced 'd <chat_id>' to every process, and the next
update asked again: a second round trip for about half of the updates of residents who
send two lines at once, and more with several processes.

linli_chat_turn answers 'gap <n>' instead of 'gap' when it knows that n update_ids below
the update have reached no process yet, so a waiting process asks again once it has heard of
n of them, not on every update recorded anywhere. And recording an update whose open row is
already the calling process's (its first call committed, the reply was lost, the call was
made again) asks for the turn instead of answering 'repeated'.

No table changes; the downgrade drops linli_chat_done (older code marks rows handled itself)
and puts back revision 0014's linli_chat_turn.
"""

from collections.abc import Sequence

from alembic import op

from storage.migrate import revision_module


revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Returns the update whose turn it began, or NULL. Rows not seen for p_stale seconds belong
# to dead processes: their updates are not handed a turn nobody would take.
DONE_FUNCTION = """
CREATE FUNCTION linli_chat_done(
    p_chat bigint, p_update bigint, p_owner bigint, p_namespace integer, p_lock integer,
    p_stale double precision
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    next_update bigint;
    next_owner bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(p_namespace, p_lock);
    UPDATE chat_queue SET handled_at = clock_timestamp()
    WHERE chat_id = p_chat AND update_id = p_update AND owner = p_owner AND handled_at IS NULL;
    IF NOT FOUND THEN
        RETURN NULL;  -- released already (taken for a dead process's, or at stop)
    END IF;
    SELECT q.update_id, q.owner INTO next_update, next_owner FROM chat_queue AS q
    WHERE q.chat_id = p_chat AND q.handled_at IS NULL AND q.claimed_at IS NULL
    AND q.seen_at > clock_timestamp() - make_interval(secs => p_stale)
    ORDER BY q.update_id LIMIT 1;
    IF next_update IS NULL THEN
        RETURN NULL;
    END IF;
    IF linli_chat_turn(
        p_chat, next_update, next_owner, p_namespace, p_lock, p_stale, false, false
    ) = 'claimed' THEN
        PERFORM pg_notify('linli_chat_queue', 'c ' || p_chat || ' ' || next_update);
        RETURN next_update;
    END IF;
    PERFORM pg_notify('linli_chat_queue', 'd ' || p_chat);
    RETURN NULL;
END
$$
"""



def _turn_function_0014() -> str:
    sql: str = revision_module("0014").TURN_FUNCTION
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


# Recording an update whose row is already this process's and open: the reply to an earlier
# recording call was lost after it committed, and the call was made again on a fresh
# connection. It asks for the turn instead of answering 'repeated' (which dropped the update
# and left its row open, holding the chat, as long as the process lived).
_RECORDED_0014 = """        ON CONFLICT (chat_id, update_id) DO NOTHING;
        IF NOT FOUND THEN
            RETURN 'repeated';
        END IF;
        PERFORM pg_notify('linli_chat_queue', 'r ' || p_update || ' ' || p_chat);
"""
_RECORDED = """        ON CONFLICT (chat_id, update_id) DO NOTHING;
        IF FOUND THEN
            PERFORM pg_notify('linli_chat_queue', 'r ' || p_update || ' ' || p_chat);
        ELSIF NOT EXISTS (
            SELECT 1 FROM chat_queue AS m WHERE m.chat_id = p_chat
            AND m.update_id = p_update AND m.owner = p_owner AND m.handled_at IS NULL
        ) THEN
            RETURN 'repeated';
        END IF;
"""


def turn_function() -> str:
    """linli_chat_turn as of this revision: 'gap <n>' with the number of missing ids (NULL
    before the sequence has a watermark, so plain 'gap'), and a recording call made again
    after a lost reply asks for the turn (see _RECORDED)."""
    sql = _turn_function_0014()
    gap = "RETURN 'gap';"
    assert sql.count(gap) == 1 and sql.count(_RECORDED_0014) == 1
    sql = sql.replace(_RECORDED_0014, _RECORDED)
    return sql.replace(gap, "RETURN 'gap' || coalesce(' ' || (p_update - 1 - mark - received), '');")


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(turn_function())
        op.execute(DONE_FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION linli_chat_done(bigint, bigint, bigint, integer, integer, "
            "double precision)"
        )
        op.execute(_turn_function_0014())
