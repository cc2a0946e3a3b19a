"""What each person owes linli next: one row per person in the database.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

awaiting: telegram_id (the key: one thing owed at a time), kind (filing, broadcast, rating
comment, reject reason …), reference (what it is about), expires_at (None for flows whose
drafts expire by themselves), updated_at, and chat_id / message_id where linli asked in a
group (unique together, so that a reply to the prompt finds it). Until now each process kept
most of these in memory and polled the others every two seconds; the staff chat's reject
prompts had a table of their own, which this replaces.

The upgrade carries over the drafts open at the time: a filing draft's owner owes its next
step, an official with a broadcast draft its preview's buttons (as after a restart before).
Open reject prompts (ten minutes at most) are not carried over: staff press reject again.
The downgrade restores an empty reject_prompts table and drops awaiting; the in-memory sets
of the older code rebuild themselves from the drafts.
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
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_awaiting")),
    )
    op.create_index(
        "ix_awaiting_chat_id_message_id", "awaiting", ["chat_id", "message_id"], unique=True
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
    op.drop_index("ix_reject_prompts_chat_id_prompt_message_id", table_name="reject_prompts")
    op.drop_table("reject_prompts")


def downgrade() -> None:
    op.create_table(
        "reject_prompts",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_reject_prompts_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "staff_telegram_id", name=op.f("pk_reject_prompts")),
    )
    op.create_index(
        "ix_reject_prompts_chat_id_prompt_message_id",
        "reject_prompts",
        ["chat_id", "prompt_message_id"],
        unique=True,
    )
    op.drop_index("ix_awaiting_chat_id_message_id", table_name="awaiting")
    op.drop_table("awaiting")
