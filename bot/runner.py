"""Running the Application: the same start/stop sequence for Telegram, the console and tests."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator
from datetime import datetime

from telegram.ext import Updater

from bot.app import build_application
from bot.cli.calendar import warn_if_calendar_runs_out, work_calendar
from bot.context import runtime_of
from bot.delivery.limits import DeliveryConfig
from bot.delivery.worker import stop_delivery
from bot.ops.server import start_ops, stop_ops
from bot.receiver import WebhookServer, set_webhook
from bot.scheduler import stop_scheduler
from bot.settings import Settings
from bot.update_order import PerChatUpdateProcessor
from bot.webhook import Webhook
from handlers.context import LinliApp
from services import Services, open_services
from services.chat_order import OrderTimings
from services.residents.limits import ResidentLimits

log = logging.getLogger("linli.bot")
POLL_PAUSE_S = 0.02


@contextlib.asynccontextmanager
async def running(
    application: LinliApp,
    *,
    poll_timeout: int = 10,
    webhook: Webhook | None = None,
) -> AsyncIterator[None]:
    """Initialise, start receiving updates (long polling, or ``webhook``), and on exit stop
    everything in the right order."""
    async with application:
        # PTB calls post_init only inside run_polling/run_webhook; we run the pieces ourselves.
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        updater = application.updater
        assert updater is not None
        bans = application.bot_data.services.bans.check
        server: WebhookServer | None = None
        try:
            # Before updates arrive: on PostgreSQL the bans are then checked in memory.
            await bans.follow()
            # Inside the try: a webhook port already in use must still stop what started.
            await start_ops(application)
            if webhook is None:
                await _poll(updater, poll_timeout)
            else:
                server = WebhookServer(webhook, application)
                await server.start()
                await set_webhook(application, webhook)
                log.info(
                    "receiving updates by webhook at %s (listening on %s:%d)",
                    webhook.url,
                    webhook.listen_host,
                    webhook.listen_port,
                )
            yield
        finally:
            if server is not None:  # the webhook stays set: Telegram keeps the updates
                await server.stop()
            await stop_ops(application)
            await stop_delivery(runtime_of(application).delivery)
            if updater.running:
                await updater.stop()
            await application.stop()
            await _settle_pressed(application)
            await stop_scheduler(application)  # releases the leader lock after the JobQueue
            await bans.stop()


async def _settle_pressed(application: LinliApp) -> None:
    """The last presses' messages are settled while the bot can still send (PTB shuts the
    bot down before the update processor)."""
    processor = application.update_processor
    if isinstance(processor, PerChatUpdateProcessor):
        await processor.settled()


async def _poll(updater: Updater, poll_timeout: int) -> None:
    # A short pause between polls lets updates that arrive together come in one getUpdates
    # call: under load the polling round trips were a sixth of the bot's time (py-spy on
    # benchmarks/bench_updates.py); a quiet bot answers at most 20 ms later.
    await updater.start_polling(timeout=poll_timeout, poll_interval=POLL_PAUSE_S)


@contextlib.asynccontextmanager
async def linli_services(settings: Settings) -> AsyncIterator[Services]:
    """Open the database, knowledge base and holiday file from settings; close them on exit."""
    services = await open_services(
        settings.database_url,
        settings.kb_dir,
        settings.default_language,
        staff_chat_id=settings.staff_chat_id,
        calendar=work_calendar(settings),
        limits=ResidentLimits(settings.questions_per_minute, settings.filings_per_hour),
        retention_days=settings.retention_days,
        district_dir=settings.district_dir,
        order=OrderTimings(gap_s=settings.order_gap_s),
    )
    try:
        yield services
    finally:
        await services.close()


async def _serve(settings: Settings) -> None:
    token = settings.token()
    assert token is not None
    async with linli_services(settings) as services:
        warn_if_calendar_runs_out(services.calendar, datetime.now(settings.tz).date())
        application = build_application(
            services,
            token=token,
            api_url=settings.bot_api_url,
            admin_ids=settings.admin_ids,
            staff_chat_id=settings.staff_chat_id,
            overall_rate=settings.reply_rate,
            delivery=DeliveryConfig.from_settings(settings),
            scheduler_timezone=settings.timezone,
            transport=settings.transport,
            proxy_url=settings.proxy_url,
            ops_listen=settings.metrics_address(),
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with running(application, webhook=settings.webhook()):
            # What start-up built (the knowledge base and its matcher, the modules: about
            # 250,000 objects) lives as long as the process. Frozen, the collector's full
            # passes no longer walk it: over bench_updates.py's 6,000 questions its time fell
            # from 2.0 to 1.1 s (gc.callbacks), about 0.16 ms of CPU per update.
            gc.collect()
            gc.freeze()
            await stop.wait()
            log.info("stopping")


def run_telegram(settings: Settings) -> int:
    """``linli run``: serve Telegram (polling, or the webhook if set) until SIGINT or SIGTERM."""
    asyncio.run(_serve(settings))
    return 0
