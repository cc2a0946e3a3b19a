"""An id from a button or a command may be any number up to 64 bits; the tables' ids are
32-bit on PostgreSQL. A look-up by an id beyond that finds nothing, on either database,
instead of PostgreSQL's driver refusing the statement (a hypothesis run found the 🙋 button
with such an id crashing its update)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage import Database
from storage.repositories import ROW_ID_MAX, bulletins, canned, names_a_row, notices, query_log
from storage.repositories.tickets import get_ticket

BEYOND = [ROW_ID_MAX + 1, 14_791_691_097, 2**63 - 1]


def test_only_positive_ids_within_the_column_name_a_row() -> None:
    assert names_a_row(1) and names_a_row(ROW_ID_MAX)
    assert not any(names_a_row(n) for n in [0, -1, *BEYOND])


@pytest.mark.parametrize("row_id", BEYOND)
async def test_a_look_up_beyond_the_column_finds_nothing(database: Database, row_id: int) -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    async with database.transaction() as session:
        assert await query_log.get_query(session, row_id) is None
        assert await query_log.set_feedback(session, row_id, 1, 1, now) is False
        assert await query_log.set_chosen_entry(session, row_id, 1, "dibao") is False
        assert await get_ticket(session, row_id) is None
        assert await bulletins.get_bulletin(session, row_id) is None
        assert await notices.get_notice(session, row_id, for_update=True) is None
        assert await canned.get_in_use(session, row_id) is None
