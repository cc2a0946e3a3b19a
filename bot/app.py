"""Building the PTB Application that every mode (polling, console, tests) runs."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.delivery import start_delivery
from bot.delivery_limits import DeliveryConfig
from bot.knowledge_follow import follow_knowledge_files
from bot.scheduler import register_jobs
from bot.staff_topics_hook import staff_card_topics
from bot.update_order import PerChatUpdateProcessor
from handlers import bot_commands, register_handlers
from services import Services
from services.disclosure_bulletin import ensure_default_disclosure

log = logging.getLogger("linli.bot")
# httpx's connection pool slows down sharply with many connections (measured with
# benchmarks/bench_updates.py), so a few updates at a time with a matching pool is fastest.
MAX_CONCURRENT_UPDATES = 16


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
) -> Application:  # type: ignore[type-arg]
    """The Application with linli's handlers, talking to the Bot API at ``api_url``.

    ``overall_rate`` caps messages per second for direct replies (Telegram's limit is about
    30/s); 0 disables the cap, which benchmarks against the local server use.
    """
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .connection_pool_size(MAX_CONCURRENT_UPDATES)
        .post_init(_post_init)
    )
    if overall_rate > 0:  # 0 lifts the cap: no limiter at all, not one that never waits
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=overall_rate, max_retries=2))
    application = builder.build()
    application.bot_data["services"] = services
    application.bot_data["admin_ids"] = admin_ids
    application.bot_data["staff_chat_id"] = staff_chat_id
    application.bot_data["delivery_config"] = delivery or DeliveryConfig()
    # None (tests): no scheduled jobs, so background reminders do not interleave with a test.
    application.bot_data["scheduler_timezone"] = scheduler_timezone
    register_handlers(application)
    follow_knowledge_files(application)
    return application


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    services: Services = application.bot_data["services"]
    await services.residents.ensure_admins(application.bot_data["admin_ids"])
    # Telegram shows these in the "/" menu: Chinese by default, English for English clients.
    await application.bot.set_my_commands(bot_commands("zh-Hans"))
    await application.bot.set_my_commands(bot_commands("en"), language_code="en")
    may_send: Callable[[], bool] | None = None
    if application.bot_data["scheduler_timezone"] is not None:
        # The monthly 居务公开 bulletin exists from the first start (officials may remove it).
        await ensure_default_disclosure(services.bulletins, services.db)
        scheduler = register_jobs(application, timezone=application.bot_data["scheduler_timezone"])
        if not services.db.is_sqlite:
            # Several processes (behind a webhook) share one bot's Telegram limits and each
            # chat's order: only the scheduler leader sends, and a standby takes over with
            # the leadership (within a minute of the leader's death).
            may_send = scheduler.leads
    await start_delivery(
        application,
        services,
        application.bot_data["delivery_config"],
        prepare=staff_card_topics(services),
        may_send=may_send,
    )
    log.info("linli is ready as @%s", application.bot.username)
