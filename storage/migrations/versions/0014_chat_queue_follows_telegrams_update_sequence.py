"""The chat queue follows Telegram's update sequence: handled rows, a watermark, one call.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Telegram numbers a bot's updates one after another. With several processes behind a
webhook, a process holding update k may start it only when every update below k has been
received by some process (or given up after a short wait): only then does it know that no
earlier update of the same chat is still on its way to another process.

- chat_queue.handled_at: a handled update's row stays (with this time) until the
  watermark passes it, so "was update j received?" can be answered after j is done.
- ix_chat_queue_update_id: the count of received ids between the watermark and k.
- update_watermark: one row; every update_id at or below it was received by some process
  or given up. Rows at or below it are only kept a while to recognise repeated deliveries.
- linli_chat_turn(...) (PostgreSQL only): records an update and tries to begin its turn in
  one round trip, under the chat's transaction lock; see storage/repositories/chat_queue.py.

The upgrade adds to the (in-flight only) queue; the downgrade drops the function, the
watermark and the column, and deletes handled rows, which older code would take for
waiting updates. On SQLite (one process, order kept in memory) the tables are never used.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Returns what it found: 'claimed' (the turn has begun; 'claimed past a gap' when it began
# because the wait for a missing update_id was given up), 'busy' (an earlier update of the
# chat waits or another runs), 'gap' (an earlier update_id has reached no process yet),
# 'repeated' (another process has this update). Each statement of a volatile PL/pgSQL
# function reads what was committed when it starts, so everything below the lock sees the
# lock's previous holder's commit. A recorded update is announced on 'linli_chat_queue'
# ('r <update_id> <chat_id>') for the processes waiting on a gap.
TURN_FUNCTION = """
CREATE FUNCTION linli_chat_turn(
    p_chat bigint, p_update bigint, p_owner bigint, p_namespace integer, p_lock integer,
    p_stale double precision, p_record boolean, p_give_up boolean
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    mark bigint;
    received bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(p_namespace, p_lock);
    IF p_record THEN
        INSERT INTO chat_queue AS q
            (chat_id, update_id, owner, received_at, claimed_at, seen_at, handled_at)
        VALUES (p_chat, p_update, p_owner, clock_timestamp(), NULL, clock_timestamp(), NULL)
        ON CONFLICT (chat_id, update_id) DO NOTHING;
        IF NOT FOUND THEN
            RETURN 'repeated';
        END IF;
        PERFORM pg_notify('linli_chat_queue', 'r ' || p_update || ' ' || p_chat);
    ELSE
        -- Asking again: the row is ours (and is put back if it was taken for a dead
        -- process's while this one was frozen).
        INSERT INTO chat_queue AS q
            (chat_id, update_id, owner, received_at, claimed_at, seen_at, handled_at)
        VALUES (p_chat, p_update, p_owner, clock_timestamp(), NULL, clock_timestamp(), NULL)
        ON CONFLICT (chat_id, update_id) DO UPDATE SET seen_at = clock_timestamp(),
            handled_at = NULL WHERE q.owner = p_owner;
        IF NOT FOUND THEN
            RETURN 'repeated';
        END IF;
    END IF;
    IF EXISTS (
        SELECT 1 FROM chat_queue AS o
        WHERE o.chat_id = p_chat AND o.update_id <> p_update AND o.handled_at IS NULL
        AND o.seen_at > clock_timestamp() - make_interval(secs => p_stale)
        AND (o.claimed_at IS NOT NULL OR o.update_id < p_update)
    ) THEN
        RETURN 'busy';
    END IF;
    SELECT w.update_id INTO mark FROM update_watermark AS w WHERE w.id = 1;
    IF mark IS NULL OR mark < p_update - 1 THEN
        IF mark IS NOT NULL THEN
            SELECT count(DISTINCT q.update_id) INTO received FROM chat_queue AS q
            WHERE q.update_id > mark AND q.update_id < p_update;
        END IF;
        IF mark IS NULL OR received < p_update - 1 - mark THEN
            IF NOT p_give_up THEN
                RETURN 'gap';
            END IF;
            -- Waited long enough: what has not arrived by now is taken as never coming.
            INSERT INTO update_watermark AS w (id, update_id) VALUES (1, p_update - 1)
            ON CONFLICT (id) DO UPDATE SET update_id = excluded.update_id
            WHERE w.update_id < excluded.update_id;
            UPDATE chat_queue SET claimed_at = clock_timestamp()
            WHERE chat_id = p_chat AND update_id = p_update;
            RETURN 'claimed past a gap';
        ELSIF p_update - 1 - mark >= 64 THEN
            -- Every id below is received: move the mark up, in steps, so that the count
            -- above stays short without writing the one row on every update.
            UPDATE update_watermark SET update_id = p_update - 1
            WHERE id = 1 AND update_id < p_update - 1;
        END IF;
    END IF;
    UPDATE chat_queue SET claimed_at = clock_timestamp()
    WHERE chat_id = p_chat AND update_id = p_update;
    RETURN 'claimed';
END
$$
"""

DROP_TURN_FUNCTION = (
    "DROP FUNCTION linli_chat_turn(bigint, bigint, bigint, integer, integer, "
    "double precision, boolean, boolean)"
)


def upgrade() -> None:
    op.add_column(
        "chat_queue", sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_chat_queue_update_id", "chat_queue", ["update_id"])
    op.create_table(
        "update_watermark",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_watermark")),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(TURN_FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(DROP_TURN_FUNCTION)
    op.drop_table("update_watermark")
    op.execute("DELETE FROM chat_queue WHERE handled_at IS NOT NULL")
    op.drop_index("ix_chat_queue_update_id", table_name="chat_queue")
    with op.batch_alter_table("chat_queue") as batch:
        batch.drop_column("handled_at")
