"""A ban made through an anonymous ticket is kept apart from bans by name or id.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

Staff ban the filer of an anonymous ticket by naming the ticket, and linli never tells them
who it is. But with one ban in force per person, /unban <guessed id> found that ban (and
/ban <id> answered "already banned"), so a few guesses unmasked the filer. A ban now says
whether it was made through an anonymous ticket (``masked``); the id path sees only the
others, and a person may have one ban in force of each kind.

Existing bans made through a ticket that is anonymous are marked. The downgrade drops the
column and restores one ban in force per person, lifting (at the downgrade's time) the
masked one of a person who has both.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("lifted_at IS NULL")


def upgrade() -> None:
    # The partial index goes first and comes back last: SQLite's batch mode may rebuild the
    # table, and a rebuilt index could lose its WHERE.
    op.drop_index("ix_resident_bans_open", table_name="resident_bans")
    with op.batch_alter_table("resident_bans") as batch:
        batch.add_column(
            sa.Column("masked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE resident_bans SET masked = "
        + ("TRUE" if op.get_context().dialect.name == "postgresql" else "1")
        + " WHERE ticket_id IN (SELECT id FROM tickets WHERE anonymous)"
    )
    op.create_index(
        "ix_resident_bans_open",
        "resident_bans",
        ["resident_id", "masked"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.execute(
        "UPDATE resident_bans SET lifted_at = CURRENT_TIMESTAMP WHERE lifted_at IS NULL AND "
        "masked AND resident_id IN "
        "(SELECT resident_id FROM resident_bans WHERE lifted_at IS NULL AND NOT masked)"
    )
    op.drop_index("ix_resident_bans_open", table_name="resident_bans")
    with op.batch_alter_table("resident_bans") as batch:
        batch.drop_column("masked")
    op.create_index(
        "ix_resident_bans_open",
        "resident_bans",
        ["resident_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
