"""A process marks the updates it has handled done together, in one call.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

Each handled update cost its process a call of its own to mark it done (linli_chat_done),
and each call wakes a server process: with two linli processes on two cores, the wake-ups
take cores from linli (revision 0022 explains the measurement). The updates of one process
end close together under load, so they are marked together: linli_chat_done_many(chats[],
updates[], ...) is linli_chat_done for each pair, in one call and one transaction, and
returns each pair's hand-over to the calling process as '<update> [<owed>]' (or NULL), with
what a private chat's person owes (revision 0022's linli_chat_owed, read after the mark).

It takes every chat's lock first, in the order of the lock keys, and only then marks and
hands over. So it holds no lock another call needs (the watermark's row, which a hand-over's
turn may update) while it waits for a chat's lock, and two batches never wait for each other
in a circle; a single chat's call waits for nothing while it holds the watermark's row, and
a recording call only tries other chats' locks (revision 0021). No deadlock can form.

No table changes; the downgrade drops the function.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DONE_MANY_FUNCTION = """
CREATE FUNCTION linli_chat_done_many(
    p_chats bigint[], p_updates bigint[], p_owner bigint, p_namespace integer,
    p_stale double precision
) RETURNS TABLE (chat_id bigint, update_id bigint, handed text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    lock_key integer;
    next_update bigint;
BEGIN
    FOR lock_key IN
        SELECT DISTINCT linli_chat_lock_key(c) FROM unnest(p_chats) AS c ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(p_namespace, lock_key);
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(p_chats, 1), 0) LOOP
        chat_id := p_chats[i];
        update_id := p_updates[i];
        next_update := linli_chat_done(
            chat_id, update_id, p_owner, p_namespace, linli_chat_lock_key(chat_id), p_stale
        );
        handed := next_update || coalesce(' ' || linli_chat_owed(chat_id), '');
        RETURN NEXT;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(DONE_MANY_FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION linli_chat_done_many(bigint[], bigint[], bigint, integer, "
            "double precision)"
        )
