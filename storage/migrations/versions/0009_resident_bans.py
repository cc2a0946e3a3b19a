"""Bans of residents by staff, kept with who, when and why.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

resident_bans: one row per ban (resident_id, banned_at, banned_by: the staff member's
Telegram id or NULL for the operator, reason, ticket_id: the ticket the ban was made
through, if any), lifted_at / lifted_by once it is lifted. A partial unique index on
resident_id WHERE lifted_at IS NULL allows one ban in force per resident (SQLite and
PostgreSQL both have partial indexes). Nobody was banned before, so the upgrade creates an
empty table and the downgrade drops it (and every ban with it: older code has none).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("banned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("banned_by", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_resident_bans_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_resident_bans_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_bans")),
    )
    op.create_index(
        op.f("ix_resident_bans_resident_id"), "resident_bans", ["resident_id"], unique=False
    )
    op.create_index(
        "ix_resident_bans_open",
        "resident_bans",
        ["resident_id"],
        unique=True,
        sqlite_where=sa.text("lifted_at IS NULL"),
        postgresql_where=sa.text("lifted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_resident_bans_open", table_name="resident_bans")
    op.drop_index(op.f("ix_resident_bans_resident_id"), table_name="resident_bans")
    op.drop_table("resident_bans")
