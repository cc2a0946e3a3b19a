"""The bot layer's share of the Application's data: what one process runs beside the
handlers (delivery worker, scheduler) and was configured with at start."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import ContextTypes

from handlers.context import BotData, Context, LinliApp

if TYPE_CHECKING:
    from bot.delivery.limits import DeliveryConfig
    from bot.delivery.worker import DeliveryWorker
    from bot.ops.metrics import Metrics
    from bot.ops.server import OpsServer
    from bot.scheduler import Scheduler


@dataclass
class Runtime:
    """Set by build_application; read by post_init, the scheduler and shutdown."""

    admin_ids: tuple[int, ...] = ()
    delivery_config: DeliveryConfig | None = None
    # None (tests): no scheduled jobs, so background reminders do not interleave with a test.
    scheduler_timezone: str | None = None
    delivery: DeliveryWorker | None = None
    scheduler: Scheduler | None = None
    # Operations (bot/ops/): this process's metrics, and the listener for them and health.
    metrics: Metrics | None = None
    ops_listen: tuple[str, int] | None = None
    ops_server: OpsServer | None = None


class AppData(BotData):
    """BotData plus the bot layer's runtime (handlers see only BotData)."""

    def __init__(self) -> None:
        super().__init__()
        self.runtime = Runtime()


def runtime_of(application: LinliApp) -> Runtime:
    """The bot layer's runtime of an Application built by bot.app.build_application."""
    data = application.bot_data
    if not isinstance(data, AppData):
        raise RuntimeError("the Application was not built by bot.app.build_application")
    return data.runtime


def context_types() -> ContextTypes[Context, AppData, dict[Any, Any], dict[Any, Any]]:
    """PTB's ContextTypes for linli: every handler and job gets a ``Context``."""
    return ContextTypes(context=Context, bot_data=AppData)
