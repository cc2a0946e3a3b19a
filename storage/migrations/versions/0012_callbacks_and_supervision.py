"""Callbacks (回访) and supervision (督办) on tickets.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

tickets gains the supervision flag (supervised_at, supervised_by, supervision_note: set by
an official's /supervise, emptied by /unsupervise) and redone_count (how many times a
callback found the resident not satisfied and sent the ticket back). Callback outcomes and
the flag's history are ticket_events (kinds "callback" and "supervise", stored as VARCHAR
values: no schema change). Existing tickets are neither supervised nor redone, so the
upgrade needs no data; the downgrade drops the four columns (batch mode, for SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("supervised_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("supervised_by", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("supervision_note", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("redone_count", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("redone_count")
        batch.drop_column("supervision_note")
        batch.drop_column("supervised_by")
        batch.drop_column("supervised_at")
