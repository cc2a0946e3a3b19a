"""Where residents live: asked once at /start; tickets remember their community.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

residents.place_asked: the question "which community and building?" was put to the resident
once (at /start; /profile asks whenever they like). residents.community and .building exist
since 0003; they now hold a community id of the district's configuration
(LINLI_DISTRICT_DIR) and one of its buildings or grids. tickets.community: the community the
ticket belongs to (from the place given, else the filer's community), for the figures by
community and, later, for dispatch to the community's units; NULL for older tickets, which
the figures count by their filer's community as before.

Plain ADD COLUMN on both databases: a nullable column, or a NOT NULL one with a constant
default, needs no table copy on SQLite (a copy with foreign keys on would null references,
see 0004). The downgrade drops the index before the column, as SQLite requires.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "residents",
        sa.Column("place_asked", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("tickets", sa.Column("community", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_tickets_community"), "tickets", ["community"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_community"), table_name="tickets")
    op.drop_column("tickets", "community")
    op.drop_column("residents", "place_asked")
