"""Filing and broadcast drafts are expired by the same clock: a job each, every minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from telegram.ext import ApplicationBuilder

from bot.context import context_types
from handlers.broadcast import state as broadcast_state
from handlers.filing import state as filing_state
from handlers.idle_drafts import EXPIRY_EVERY_S, FOLLOW_EVERY_S
from services.tickets import Tickets, TicketSettings
from storage import Database
from storage.repositories.residents import upsert_resident

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_filing_and_broadcast_drafts_expire_every_minute() -> None:
    application = ApplicationBuilder().token("123:TEST").context_types(context_types()).build()
    filing_state.install(application)
    broadcast_state.install(application)
    broadcast_state.install(application)  # a second install adds nothing

    assert application.job_queue is not None
    jobs = {job.name: job.job.trigger.interval for job in application.job_queue.jobs()}
    every = timedelta(seconds=EXPIRY_EVERY_S)
    assert jobs == {"filing.expire": every, "broadcast.expire": every}
    assert EXPIRY_EVERY_S == 60


async def test_drafts_begun_in_another_process_are_picked_up(database: Database) -> None:
    """On PostgreSQL several processes (behind a webhook) share the drafts; SQLite has one."""
    tickets = Tickets(database, lambda: T0, TicketSettings())
    async with database.transaction() as session:
        await upsert_resident(session, telegram_id=201, chat_id=201, display_name="", now=T0)
    application = ApplicationBuilder().token("123:TEST").context_types(context_types()).build()
    application.bot_data.services = SimpleNamespace(db=database, tickets=tickets)
    filing_state.install(application)
    owners = application.bot_data.flow_state[filing_state._OWNERS]

    await tickets.filing.start_draft(201)  # as another process would: straight to the database
    assert 201 not in owners
    await filing_state.load_draft_owners(application)
    assert 201 in owners

    assert application.job_queue is not None
    follow = {j.name: j.job.trigger.interval for j in application.job_queue.jobs()}
    expected = {} if database.is_sqlite else {"filing.follow": timedelta(seconds=FOLLOW_EVERY_S)}
    assert {k: v for k, v in follow.items() if k.endswith(".follow")} == expected
