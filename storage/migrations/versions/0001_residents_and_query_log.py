"""Residents and the query log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

residents: one row per Telegram user (role stored as VARCHAR, so adding a role needs no
migration). query_log: every question, the matcher's decision and the resident's feedback;
indexed for the "unanswered questions" review (decision, asked_at).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_residents_telegram_id")),
    )
    op.create_table(
        "query_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("normalized_text", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.String(length=128), nullable=True),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.SmallInteger(), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("feedback IN (-1, 1)", name=op.f("ck_query_log_feedback")),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_query_log_resident_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_log")),
    )
    op.create_index(op.f("ix_query_log_asked_at"), "query_log", ["asked_at"])
    op.create_index(op.f("ix_query_log_decision"), "query_log", ["decision"])
    op.create_index(op.f("ix_query_log_resident_id"), "query_log", ["resident_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_query_log_resident_id"), table_name="query_log")
    op.drop_index(op.f("ix_query_log_decision"), table_name="query_log")
    op.drop_index(op.f("ix_query_log_asked_at"), table_name="query_log")
    op.drop_table("query_log")
    op.drop_table("residents")
