"""Notices, topic subscriptions and bulletins; residents' notice preferences; outbox.notice_id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

notices: officials' broadcasts (draft → scheduled → queued, or cancelled), indexed for the
scheduler's "due now" query (status, send_at). bulletins: recurring notice definitions with
their next run time. subscriptions: (resident, topic). residents gain community/building tags,
quiet hours (local minutes; existing residents get the default 22:00-07:00), a /stop flag and
an "asked about topics once" flag. outbox.notice_id links a notice's rows for figures and
cancelling. On SQLite the new residents columns are plain ALTER TABLE ADD COLUMN (no table
copy); outbox is copied by batch mode to gain its foreign key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("recurrence", sa.String(length=16), nullable=False),
        sa.Column("at_minute", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("day_of_month", sa.SmallInteger(), nullable=True),
        sa.Column("audience_kind", sa.String(length=16), nullable=False),
        sa.Column("audience_value", sa.String(length=64), nullable=True),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("author_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
    )
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bulletins_removed_at_next_run_at", ["removed_at", "next_run_at"], unique=False
        )

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=255), nullable=True),
        sa.Column("audience_kind", sa.String(length=16), nullable=False),
        sa.Column("audience_value", sa.String(length=64), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column("bulletin_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulletin_id"],
            ["bulletins.id"],
            name=op.f("fk_notices_bulletin_id_bulletins"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_bulletin_id"), ["bulletin_id"], unique=False)
        batch_op.create_index("ix_notices_status_send_at", ["status", "send_at"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_subscriptions_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resident_id", "topic", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_topic"), ["topic"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_notice_id"), ["notice_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_notice_id_notices"),
            "notices",
            ["notice_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("community", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("building", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "quiet_start_minute",
                sa.SmallInteger(),
                server_default=sa.text("(1320)"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "quiet_end_minute",
                sa.SmallInteger(),
                server_default=sa.text("(420)"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("notices_stopped", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "subscriptions_asked", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.create_index(batch_op.f("ix_residents_building"), ["building"], unique=False)
        batch_op.create_index(batch_op.f("ix_residents_community"), ["community"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residents_community"))
        batch_op.drop_index(batch_op.f("ix_residents_building"))
        batch_op.drop_column("subscriptions_asked")
        batch_op.drop_column("notices_stopped")
        batch_op.drop_column("quiet_end_minute")
        batch_op.drop_column("quiet_start_minute")
        batch_op.drop_column("building")
        batch_op.drop_column("community")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_notice_id_notices"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_notice_id"))
        batch_op.drop_column("notice_id")

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_topic"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_status_send_at")
        batch_op.drop_index(batch_op.f("ix_notices_bulletin_id"))

    op.drop_table("notices")
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.drop_index("ix_bulletins_removed_at_next_run_at")

    op.drop_table("bulletins")
