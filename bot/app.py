"""Building the PTB Application that every mode (polling, console, tests) runs."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram.ext import ApplicationBuilder

from bot.context import context_types, runtime_of
from bot.delivery.limits import DeliveryConfig
from bot.delivery.staff_topics import staff_card_topics
from bot.delivery.worker import start_delivery
from bot.logs import name_handlers
from bot.ops.metrics import Metrics
from bot.reply_limiter import ChatRateLimiter
from bot.scheduler import register_jobs, register_process_jobs
from bot.transport import Transport, make_request
from bot.update_order import PerChatUpdateProcessor
from handlers import bot_commands, register_handlers
from handlers.context import LinliApp
from services import Services
from services.notices.disclosure_bulletin import ensure_default_disclosure

log = logging.getLogger("linli.bot")
# httpx's connection pool slows down sharply with many connections (measured with
# benchmarks/bench_updates.py), so a few updates at a time with a matching pool is fastest.
# On aiohttp, 64 at a time measured no better than 16 at 100 residents (within the noise).
MAX_CONCURRENT_UPDATES = 16
# Telegram: "avoid sending more than one message per second in a particular chat".
PRIVATE_CHAT_GAP_S = 1.0
POLLING_POOL_SIZE = 1  # getUpdates: one long poll at a time, as PTB's default


def build_application(
    services: Services,
    *,
    token: str,
    api_url: str,
    admin_ids: tuple[int, ...] = (),
    staff_chat_id: int | None = None,
    overall_rate: float = 30,
    delivery: DeliveryConfig | None = None,
    scheduler_timezone: str | None = None,
    transport: Transport = "aiohttp",
    proxy_url: str | None = None,
    ops_listen: tuple[str, int] | None = None,
) -> LinliApp:
    """The Application with linli's handlers, talking to the Bot API at ``api_url``.

    ``overall_rate`` caps messages per second for direct replies (Telegram's limit is about
    30/s); 0 disables the cap, which benchmarks against the local server use. ``transport``
    and ``proxy_url`` choose the HTTP client (bot/transport.py); ``ops_listen`` (host, port)
    serves /metrics, /healthz and /readyz while the application runs.
    """
    metrics = Metrics()
    observe = metrics.observe_api_call
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .concurrent_updates(
            PerChatUpdateProcessor(
                MAX_CONCURRENT_UPDATES,
                services.chat_turns,
                observe=metrics.observe_update,
                # Telegram's limits apply (a reply rate is set): a pressed message's edit
                # follows the next step a second later rather than delaying it.
                settle_gap_s=PRIVATE_CHAT_GAP_S if overall_rate > 0 else 0.0,
            )
        )
        .request(make_request(transport, MAX_CONCURRENT_UPDATES, proxy=proxy_url, observer=observe))
        .get_updates_request(
            make_request(transport, POLLING_POOL_SIZE, proxy=proxy_url, observer=observe)
        )
        .context_types(context_types())
        .post_init(_post_init)
    )
    if overall_rate > 0:  # 0 lifts the cap: no limiter at all, not one that never waits
        # A 429 pauses only the chat it was about (bot/reply_limiter.py); after its two
        # retries, handlers/replies.py rides out 429s up to FLOOD_WAIT_BUDGET_S in all.
        builder = builder.rate_limiter(
            ChatRateLimiter(overall_max_rate=overall_rate, max_retries=2)
        )
    application = builder.build()
    application.bot_data.services = services
    application.bot_data.staff_chat_id = staff_chat_id
    runtime = runtime_of(application)
    runtime.admin_ids = admin_ids
    runtime.delivery_config = delivery or DeliveryConfig()
    runtime.scheduler_timezone = scheduler_timezone
    runtime.metrics = metrics
    runtime.ops_listen = ops_listen
    register_handlers(application)
    name_handlers(application)  # log lines say which handler ran (bot/logs.py)
    register_process_jobs(application)
    return application


async def _post_init(application: LinliApp) -> None:
    services = application.bot_data.services
    runtime = runtime_of(application)
    await services.residents.ensure_admins(runtime.admin_ids)
    # Telegram shows these in the "/" menu: Chinese by default, English for English clients.
    await application.bot.set_my_commands(bot_commands("zh-Hans"))
    await application.bot.set_my_commands(bot_commands("en"), language_code="en")
    may_send: Callable[[], bool] | None = None
    if runtime.scheduler_timezone is not None:
        # The monthly 居务公开 bulletin exists from the first start (officials may remove it).
        await ensure_default_disclosure(services.bulletins, services.db)
        scheduler = register_jobs(application, timezone=runtime.scheduler_timezone)
        if not services.db.is_sqlite:
            # Several processes (behind a webhook) share one bot's Telegram limits and each
            # chat's order: only the scheduler leader sends, and a standby takes over with
            # the leadership (within a minute of the leader's death).
            may_send = scheduler.leads
    runtime.delivery = await start_delivery(
        application,
        services,
        runtime.delivery_config,
        prepare=staff_card_topics(services),
        may_send=may_send,
    )
    log.info("linli is ready as @%s", application.bot.username)
