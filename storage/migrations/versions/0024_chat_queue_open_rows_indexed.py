"""The chat queue's open rows get an index of their own, the watermark moves in steps of
16 instead of 64, and what the sender owes is read by a function whose plan is kept.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

Handled rows stay in chat_queue for a minute, to recognise a repeated delivery, so a chat
that sent 100 messages in that minute has 100 rows. The turn call's check for the chat's
other open updates and the done call's search for the chat's next update used the primary
key and read every one of them: in benchmarks/bench_scale.py (each resident asks 100
questions in half a minute) PostgreSQL fetched about 185 rows per update, and
linli_chat_turn took 0.39–0.41 ms of the server's time per call (pg_stat_user_functions,
track_functions = 'all'). A partial index over the open rows (handled_at IS NULL; one or
two per chat) lets both read only those; the check went from 0.085 to 0.031 ms on the
table a run left behind (EXPLAIN ANALYZE). A done mark now writes its row's new version to
the other two indexes (the predicate's column changes, so the update is not HOT).

The gap check counts the update_ids recorded between the watermark and the update; with
the mark moved in steps of 64 it counted 32 rows a call on average, with steps of 16 it
counts 8, and the watermark's row is written once in 16 updates instead of 64 (by calls
that hold the sequence lock, revision 0021, when they record).

linli_chat_owed (revision 0022) was a SQL function called from PL/pgSQL, which PostgreSQL
plans afresh on every call: 0.072 ms of the server's time a call, twice per update. The same
statement in PL/pgSQL keeps its plan for the connection's life. It stays VOLATILE, so that
it reads with a snapshot of its own, after the previous update's commit (revision 0022).

On SQLite the table stays empty (one process keeps the order in memory); the index is
made there too, so that both databases match the models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrate import revision_module

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STEP_64 = "ELSIF p_update - 1 - mark >= 64 THEN"
_STEP_16 = "ELSIF p_update - 1 - mark >= 16 THEN"


OWED_FUNCTION = """
CREATE OR REPLACE FUNCTION linli_chat_owed(p_chat bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    owed text;
BEGIN
    IF p_chat <= 0 THEN
        RETURN NULL;  -- a group: nobody owes anything there
    END IF;
    SELECT a.kind || ' '
        || coalesce(to_char(a.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
            '-')
        || ' ' || a.reference
    INTO owed FROM awaiting AS a WHERE a.telegram_id = p_chat;
    RETURN coalesce(owed, '-');
END
$$
"""


def _owed_function_0022() -> str:
    sql: str = revision_module("0022").OWED_FUNCTION
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def _turn_function_0021() -> str:
    return str(revision_module("0021").turn_function())


def turn_function() -> str:
    """linli_chat_turn as of this revision: revision 0021's, moving the mark every 16."""
    sql = _turn_function_0021()
    assert sql.count(_STEP_64) == 1
    return sql.replace(_STEP_64, _STEP_16)


def upgrade() -> None:
    op.create_index(
        "ix_chat_queue_open",
        "chat_queue",
        ["chat_id", "update_id"],
        sqlite_where=sa.text("handled_at IS NULL"),
        postgresql_where=sa.text("handled_at IS NULL"),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(turn_function())
        op.execute(OWED_FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_turn_function_0021())
        op.execute(_owed_function_0022())
    op.drop_index("ix_chat_queue_open", table_name="chat_queue")
