"""The staff desk's open "reject: reason?" prompts live in the database.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

reject_prompts: one row per staff member and staff chat (the primary key), naming the ticket
being rejected, the prompt message linli posted (unique within its chat, so a reply to the
prompt finds it) and when it was asked. Until now the prompt lived in the process's memory,
so a restart lost it. Rows are short-lived (the service ignores and deletes them after ten
minutes), so the upgrade starts with an empty table and the downgrade simply drops it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_index("ix_reject_prompts_chat_id_prompt_message_id", table_name="reject_prompts")
    op.drop_table("reject_prompts")
