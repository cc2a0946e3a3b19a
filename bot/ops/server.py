"""The operator's listener (LINLI_METRICS_LISTEN): /metrics, /healthz and /readyz.

/healthz says the process serves HTTP. /readyz says whether it can do its work: the
database answers and its schema is current, the knowledge base is loaded, and the Bot API
answered within the last minute (a quiet webhook process that has not called it for a
minute asks getMe, at most once per check). Both answer JSON saying what is wrong.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.context import runtime_of
from bot.ops.collector import LinliCollector, monotonic
from bot.ops.metrics import Metrics
from handlers.context import LinliApp

log = logging.getLogger("linli.ops")
BOT_API_FRESH_S = 60.0
PROBE_TIMEOUT_S = 5.0
DATABASE_CHECK_TIMEOUT_S = 5.0


@dataclass
class OpsServer:
    """The listener of one process; ``start()`` it after the Application started."""

    application: LinliApp
    metrics: Metrics
    host: str
    port: int
    collector: LinliCollector = field(init=False)
    _runner: web.AppRunner | None = None
    _probe: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        services = self.application.bot_data.services
        self.collector = LinliCollector(services, runtime_of(self.application), monotonic)
        self.metrics.registry.register(self.collector)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])  # port 0: the one the OS chose
        log.info("metrics and health on http://%s:%d/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.metrics.registry.unregister(self.collector)

    async def _metrics(self, _request: web.Request) -> web.Response:
        await self.collector.refresh()
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        checks = await self.readiness()
        problems = [f"{name}: {state}" for name, state in checks.items() if state != "ok"]
        body: dict[str, Any] = {"status": "not ready" if problems else "ready", "checks": checks}
        if problems:
            body["problems"] = problems
        return web.json_response(body, status=503 if problems else 200)

    async def readiness(self) -> dict[str, str]:
        """Each check's state: "ok" or what is wrong."""
        services = self.application.bot_data.services
        try:
            async with asyncio.timeout(DATABASE_CHECK_TIMEOUT_S):
                database = await services.ops.database_problem()
        except TimeoutError:
            database = f"no answer within {DATABASE_CHECK_TIMEOUT_S:.0f} s"
        knowledge = services.ops.knowledge()
        return {
            "database": database or "ok",
            "knowledge_base": "ok" if knowledge.entries else "no entries loaded",
            "bot_api": await self._bot_api(),
        }

    async def _bot_api(self) -> str:
        if self._fresh():
            return "ok"
        async with self._probe:  # concurrent checks share one getMe
            if self._fresh():
                return "ok"
            try:
                await self.application.bot.get_me(
                    read_timeout=PROBE_TIMEOUT_S, connect_timeout=PROBE_TIMEOUT_S
                )
            except Exception as exc:
                log.warning("readiness: the Bot API did not answer getMe: %s", type(exc).__name__)
        if self._fresh():
            return "ok"
        last = self.metrics.bot_api_reached_at
        if last is None:
            return "the Bot API has not answered this process (getMe failed)"
        return f"the Bot API last answered {time.time() - last:.0f} s ago (getMe failed)"

    def _fresh(self) -> bool:
        last = self.metrics.bot_api_reached_at
        return last is not None and time.time() - last <= BOT_API_FRESH_S


async def start_ops(application: LinliApp) -> OpsServer | None:
    """Count service events from now on, and serve /metrics, /healthz and /readyz if the
    application was given an address."""
    runtime = runtime_of(application)
    if runtime.metrics is not None:
        runtime.metrics.open()
    if runtime.ops_listen is None or runtime.metrics is None:
        return None
    host, port = runtime.ops_listen
    server = OpsServer(application, runtime.metrics, host, port)
    await server.start()
    runtime.ops_server = server
    return server


async def stop_ops(application: LinliApp) -> None:
    """Stop the listener (if any) and the metrics' subscription to service events."""
    runtime = runtime_of(application)
    if runtime.ops_server is not None:
        await runtime.ops_server.stop()
        runtime.ops_server = None
    if runtime.metrics is not None:
        runtime.metrics.close()
