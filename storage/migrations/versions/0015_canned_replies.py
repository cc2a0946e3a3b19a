"""Canned replies (常用语), with a bundled sample set.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

canned_replies: one row per text (action: reply / resolve / reject; category: a category
id, NULL for every category; text with {number} {due} {unit} {category} placeholders),
created_at / created_by and removed_at / removed_by (admins' Telegram ids, NULL for the
operator or the bundled set): rows are never deleted, so every change stays on record.
The upgrade writes the bundled sample set (sample = true) for operators to edit; the
downgrade drops the table (older code has no canned replies).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SAMPLES = (
    ("reply", "您好，您反映的问题（{number}）已收到，我们正在核实，请耐心等待。"),
    ("reply", "已收到您反映的问题，我们将在{due}前处理完毕。"),
    ("reply", "工作人员会尽快与您电话联系，请保持手机畅通。"),
    ("resolve", "您反映的问题已处理完毕，感谢您对社区工作的支持！如仍有问题，请随时告诉我们。"),
    ("resolve", "{unit}已到现场处理，问题已解决。谢谢您的耐心等待。"),
    ("reject", "该事项不属于本社区职责范围，建议您拨打12345市民服务热线反映。"),
    ("reject", "您反映的情况不够具体，我们暂时无法核实，欢迎补充具体位置和情况后重新提交。"),
    ("reject", "该问题已有居民反映，正在统一处理中，感谢您的关注。"),
)


def upgrade() -> None:
    table = op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {"action": action, "category": None, "text": text, "sample": True,
             "created_at": now, "created_by": None}
            for action, text in SAMPLES
        ],  # fmt: skip
    )


def downgrade() -> None:
    op.drop_table("canned_replies")
