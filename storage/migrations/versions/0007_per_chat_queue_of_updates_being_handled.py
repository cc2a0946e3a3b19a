"""The per-chat queue of updates being handled, for strict order across processes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

chat_queue: (chat_id, update_id) is the key (the primary key's index also serves the
per-chat "is a lower update waiting, or one running?" check); owner is the receiving
process's token, received_at / claimed_at / seen_at are set from the server's clock. Rows
live only while an update is being handled, so the table holds the in-flight updates and
nothing else; the upgrade creates it empty and the downgrade drops it (older code keeps
order per process only and never reads it). Used on PostgreSQL only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_queue",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "update_id", name=op.f("pk_chat_queue")),
    )


def downgrade() -> None:
    op.drop_table("chat_queue")
