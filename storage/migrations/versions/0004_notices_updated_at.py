"""Notices remember when they last changed, so that idle broadcast drafts can expire.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

notices.updated_at: moved by every step of composing a draft, and by confirming, queueing
and cancelling; a draft whose updated_at is older than the idle limit is discarded
(NoticeService.expire_drafts). Existing rows get the time of their latest recorded change,
so a draft open before the upgrade counts as untouched since it was created.

The column is nullable although it is always set: SQLite can add a NOT NULL column only
with a constant default, and making it NOT NULL afterwards would copy the notices table
(batch mode), which with foreign keys on sets every outbox row's notice_id to NULL. For the
same reason the downgrade drops the column with SQLite's own ALTER TABLE ... DROP COLUMN
(SQLite 3.35 or later) instead of a table copy.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE notices SET updated_at = COALESCE(cancelled_at, queued_at, confirmed_at, created_at)"
    )


def downgrade() -> None:
    op.drop_column("notices", "updated_at")
