"""The chat queue announces a missing update_id given up, so every update waiting on it
asks at once.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

When an update has waited gap_s for a lower update_id that reached no process,
linli_chat_turn moves the watermark past it and begins the update (revision 0014). Other
updates waiting on the same missing id, in this process or another, learnt of it only at
their next recheck (up to half a second) or their own deadline. Now the give-up announces
'w <update_id>' on 'linli_chat_queue': every update_id up to it counts as received, and the
updates waiting on a gap above it ask again.

No table changes; the downgrade puts back revision 0017's linli_chat_turn.
"""

from collections.abc import Sequence

from alembic import op

from storage.migrate import revision_module


revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_GIVEN_UP = "            RETURN 'claimed past a gap';\n"
_ANNOUNCED = (
    "            PERFORM pg_notify('linli_chat_queue', 'w ' || (p_update - 1));\n" + _GIVEN_UP
)


def _turn_function_0017() -> str:
    return str(revision_module("0017").turn_function())


def turn_function() -> str:
    """linli_chat_turn as of this revision: revision 0017's, announcing a given-up gap."""
    sql = _turn_function_0017()
    assert sql.count(_GIVEN_UP) == 1
    return sql.replace(_GIVEN_UP, _ANNOUNCED)


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(turn_function())


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_turn_function_0017())
