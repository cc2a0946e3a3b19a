"""Tickets recorded on behalf of residents (代录): their channel and the caller's name.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

tickets gains ``channel`` (how the resident reached the desk: telegram, phone, walk_in,
letter, hotline, other), NOT NULL with the constant default 'telegram' so every existing
ticket reads as filed in Telegram, and ``on_behalf_name`` (the caller's name, nullable).
recording_drafts holds a staff member's unfinished /record. Plain ADD COLUMN on both
databases (a constant default needs no table copy on SQLite, see 0010).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tickets",
        sa.Column("channel", sa.String(length=16), server_default="telegram", nullable=False),
    )
    op.add_column("tickets", sa.Column("on_behalf_name", sa.String(length=64), nullable=True))
    op.create_table(
        "recording_drafts",
        sa.Column("recorder_telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recorder_telegram_id", name=op.f("pk_recording_drafts")),
    )


def downgrade() -> None:
    op.drop_table("recording_drafts")
    op.drop_column("tickets", "on_behalf_name")
    op.drop_column("tickets", "channel")
