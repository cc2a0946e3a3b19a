"""Tickets get a public summary, written by staff: what the disclosure and exports show.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

tickets.public_summary: a short text staff write when a ticket is resolved, rejected or
closed (/summary in the staff chat), published in the monthly 居务公开 disclosure and in
exports made without personal data instead of the resident's own description. NULL means
"none written": the public sees a default built from category, place at building level and
status. Existing tickets start with NULL, which is exactly that default, so the upgrade
copies nothing; the downgrade drops the column with SQLite's own ALTER TABLE ... DROP
COLUMN (SQLite 3.35 or later; see 0004 for why a batch copy is avoided).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("public_summary", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "public_summary")
