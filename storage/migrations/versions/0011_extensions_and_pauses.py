"""Extension requests, and the pause of a ticket's resolution clock.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

ticket_extensions: one row per extension request (延期申请): the ticket, who asked and
when, the reason (which the resident reads once approved), the due time it replaces and
the one it asks for, its status (pending / approved / refused) and who decided when.
tickets.paused_at: set while the resolution clock waits for the resident (挂起), NULL
otherwise, so every existing ticket starts unpaused. The downgrade drops both; older code
never reads them (the trail's events of the new kinds stay, shown by their kind).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("from_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("to_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_extensions_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_extensions")),
    )
    op.create_index(
        op.f("ix_ticket_extensions_ticket_id"), "ticket_extensions", ["ticket_id"], unique=False
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("paused_at")
    op.drop_index(op.f("ix_ticket_extensions_ticket_id"), table_name="ticket_extensions")
    op.drop_table("ticket_extensions")
