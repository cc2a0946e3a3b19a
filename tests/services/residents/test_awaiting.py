"""What a person owes linli next, in the database (SQLite and PostgreSQL): one row per
person, replaced by the next flow, gone when done or when the wait runs out, and the same
for every process."""

from __future__ import annotations

from datetime import timedelta

from services.notices.broadcasts import NoticeService
from services.residents.awaiting import AwaitingService, AwaitingView, Owed, owed_on_arrival
from storage import Database
from storage.repositories.awaiting import OwedRow
from tests.services.conftest import (
    OFFICIAL,
    RESIDENT,
    RESIDENT_PRIVATE,
    STAFF,
    Clock,
    add_people,
    make_tickets,
)


async def test_nothing_is_owed_until_a_flow_asks(database: Database) -> None:
    awaiting = AwaitingService(database, Clock())
    assert await awaiting.awaiting(RESIDENT) is None
    assert await awaiting.expect(RESIDENT, Owed.FILING) is None
    assert await awaiting.awaiting(RESIDENT) == AwaitingView(Owed.FILING, "")


async def test_a_new_flow_replaces_the_old_and_says_which(database: Database) -> None:
    awaiting = AwaitingService(database, Clock())
    await awaiting.expect(RESIDENT, Owed.FILING)
    assert await awaiting.expect(RESIDENT, Owed.FILING) is None  # the same flow again
    assert await awaiting.expect(RESIDENT, Owed.RATING_COMMENT, "2611-0001:n:2") is Owed.FILING
    assert await awaiting.awaiting(RESIDENT) == AwaitingView(Owed.RATING_COMMENT, "2611-0001:n:2")
    assert await awaiting.awaiting(STAFF) is None  # one row per person


async def test_every_process_sees_the_same_fact_at_once(database: Database) -> None:
    # Two processes behind a webhook: two services on one database, no polling in between.
    clock = Clock()
    first, second = AwaitingService(database, clock), AwaitingService(database, clock)
    await first.expect(OFFICIAL, Owed.BROADCAST, "7:time")
    assert await second.awaiting(OFFICIAL) == AwaitingView(Owed.BROADCAST, "7:time")
    assert await second.done(OFFICIAL, Owed.BROADCAST) == AwaitingView(Owed.BROADCAST, "7:time")
    assert await first.awaiting(OFFICIAL) is None


async def test_the_row_read_as_the_turn_began_routes_once_and_never_after_a_change(
    database: Database,
) -> None:
    # The chat's turn call read the row (PostgreSQL); the database says something else now
    # only so that the test can tell which of the two each read returned.
    awaiting = AwaitingService(database, Clock())
    await awaiting.expect(RESIDENT, Owed.FILING)
    read_ahead = OwedRow(Owed.ENQUIRY.value, "17", None)
    with owed_on_arrival(RESIDENT, read_ahead):
        assert await awaiting.awaiting(STAFF) is None  # someone else's: the database's
        assert await awaiting.awaiting(RESIDENT) == AwaitingView(Owed.ENQUIRY, "17")
        assert await awaiting.awaiting(RESIDENT) == AwaitingView(Owed.FILING, "")  # used up
    with owed_on_arrival(RESIDENT, None):
        await awaiting.expect(RESIDENT, Owed.RATING_COMMENT, "2611-0001:y:5")
        # Changed during the update: the row read ahead (nothing owed) is old.
        assert await awaiting.awaiting(RESIDENT) == AwaitingView(
            Owed.RATING_COMMENT, "2611-0001:y:5"
        )
    with owed_on_arrival(RESIDENT, None):
        assert await awaiting.awaiting(RESIDENT) is None  # as read when the turn began
    assert await awaiting.awaiting(RESIDENT) == AwaitingView(Owed.RATING_COMMENT, "2611-0001:y:5")


async def test_done_takes_only_the_kinds_named(database: Database) -> None:
    awaiting = AwaitingService(database, Clock())
    await awaiting.expect(RESIDENT, Owed.FILING)
    assert await awaiting.done(RESIDENT, Owed.RATING_COMMENT) is None
    assert await awaiting.awaiting(RESIDENT) == AwaitingView(Owed.FILING, "")
    assert await awaiting.done(RESIDENT) == AwaitingView(Owed.FILING, "")
    assert await awaiting.done(RESIDENT) is None


async def test_a_wait_runs_out_and_the_scheduled_job_forgets_it(database: Database) -> None:
    clock = Clock()
    awaiting = AwaitingService(database, clock)
    await awaiting.expect(RESIDENT, Owed.PLACE)
    clock.advance(minutes=29)
    assert await awaiting.awaiting(RESIDENT) is not None
    clock.advance(minutes=2)
    assert await awaiting.awaiting(RESIDENT) is None  # routing ignores it at once
    assert await awaiting.expect(RESIDENT, Owed.FILING) is None  # nothing left to replace
    await awaiting.expect(STAFF, Owed.KB_ENTRY, "group-1")
    clock.advance(minutes=31)
    # The entry id ran out; the filing row has no time limit, but no draft behind it either.
    assert await awaiting.expire(clock()) == 2
    assert await awaiting.awaiting(STAFF) is None and await awaiting.awaiting(RESIDENT) is None


async def test_a_draft_flow_whose_draft_is_gone_is_forgotten(database: Database) -> None:
    await add_people(database)
    clock = Clock()
    awaiting = AwaitingService(database, clock)
    tickets, notices = make_tickets(database, clock), NoticeService(database, clock)
    await tickets.filing.start_draft(RESIDENT_PRIVATE)
    await awaiting.expect(RESIDENT, Owed.FILING)
    draft = await notices.create_draft(OFFICIAL, "明天上午停水")
    await awaiting.expect(OFFICIAL, Owed.BROADCAST, f"{draft.id}:buttons")
    assert await awaiting.expire(clock()) == 0  # both drafts are open

    await tickets.filing.discard_draft(RESIDENT_PRIVATE)
    await notices.cancel(OFFICIAL, draft.id)
    assert await awaiting.expire(clock() + timedelta(seconds=1)) == 2
    assert await awaiting.awaiting(RESIDENT) is None
    assert await awaiting.awaiting(OFFICIAL) is None
