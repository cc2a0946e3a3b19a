"""Dispatch (派单): the unit that holds each ticket.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

tickets.unit_id: the id of the unit of the district's configuration (LINLI_DISTRICT_DIR) that
holds the ticket, as routed when it was filed (category × community) or moved by /transfer;
NULL for the central staff chat (no rule, a sample configuration, or older tickets). Transfers
are ticket events, so the figures can tell which unit held a ticket when a limit passed.

Plain ADD COLUMN of a nullable column on both databases (no table copy on SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("unit_id", sa.String(length=40), nullable=True))
    op.create_index(op.f("ix_tickets_unit_id"), "tickets", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_unit_id"), table_name="tickets")
    op.drop_column("tickets", "unit_id")
