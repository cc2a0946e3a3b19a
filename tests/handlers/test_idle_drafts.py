"""Filing and broadcast drafts are expired by the same clock: a job each, every minute."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import ApplicationBuilder

from handlers import broadcast_state, filing_state
from handlers.idle_drafts import EXPIRY_EVERY_S


def test_filing_and_broadcast_drafts_expire_every_minute() -> None:
    application = ApplicationBuilder().token("123:TEST").build()
    filing_state.install(application)
    broadcast_state.install(application)
    broadcast_state.install(application)  # a second install adds nothing

    assert application.job_queue is not None
    jobs = {job.name: job.job.trigger.interval for job in application.job_queue.jobs()}
    every = timedelta(seconds=EXPIRY_EVERY_S)
    assert jobs == {"filing.expire": every, "broadcast.expire": every}
    assert EXPIRY_EVERY_S == 60
