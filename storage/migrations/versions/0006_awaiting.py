"""What each person owes linli next: one row per person in the database.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

awaiting: telegram_id (the key: one thing owed at a time), kind (filing, broadcast, rating
comment …), reference (what it is about), expires_at (None for flows whose drafts expire by
themselves) and updated_at. Until now each process kept these in memory and polled the
others every two seconds. The upgrade carries over the drafts open at the time: a filing
draft's owner owes its next step, an official with a broadcast draft its preview's buttons
(as after a restart before); the downgrade drops the table, and the in-memory sets of the
older code rebuild themselves from the drafts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "awaiting",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_awaiting")),
    )
    op.execute(
        "INSERT INTO awaiting (telegram_id, kind, reference, expires_at, updated_at) "
        "SELECT r.telegram_id, 'filing', '', NULL, d.updated_at "
        "FROM filing_drafts d JOIN residents r ON r.id = d.resident_id"
    )
    op.execute(
        sa.text(
            "INSERT INTO awaiting (telegram_id, kind, reference, expires_at, updated_at) "
            "SELECT n.author_telegram_id, 'broadcast', "
            "CAST(MAX(n.id) AS VARCHAR(20)) || :step, NULL, MAX(n.created_at) "
            "FROM notices n WHERE n.status = 'draft' AND n.author_telegram_id IS NOT NULL "
            "AND n.author_telegram_id NOT IN (SELECT telegram_id FROM awaiting) "
            "GROUP BY n.author_telegram_id"
        ).bindparams(step=":buttons")
    )


def downgrade() -> None:
    op.drop_table("awaiting")
