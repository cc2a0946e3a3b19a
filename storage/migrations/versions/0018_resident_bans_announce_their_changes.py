"""Every change to resident_bans is announced on 'linli_bans' (PostgreSQL).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

Each linli process keeps the Telegram ids of the people banned in memory and reloads them
when this channel speaks, instead of reading the database for every question (one round trip
of about six per question). A trigger, not the code that bans, makes the announcement, so
every writer counts: staff, the operator's command line in another process, an erasure that
deletes a resident's rows, or an operator's SQL. The notification is delivered when the
writing transaction commits, and only then.

No table changes. On SQLite (one process, whose look-up takes microseconds) nothing is
created. The downgrade drops the trigger and its function; older code reads the table.
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ANNOUNCE_FUNCTION = """
CREATE FUNCTION linli_bans_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('linli_bans', '');
    RETURN NULL;
END
$$
"""

TRIGGER = """
CREATE TRIGGER resident_bans_announce
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resident_bans
FOR EACH STATEMENT EXECUTE FUNCTION linli_bans_changed()
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(ANNOUNCE_FUNCTION)
        op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER resident_bans_announce ON resident_bans")
        op.execute("DROP FUNCTION linli_bans_changed()")
