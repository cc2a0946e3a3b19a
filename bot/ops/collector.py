"""Gauges read at scrape time: tickets, the outbox, delivery, leadership, knowledge base.

prometheus_client collects synchronously, and our figures come from the database, so the
listener awaits ``refresh()`` before rendering; ``collect()`` only reads the snapshot it
left. A failed refresh keeps the last snapshot and says so in ``linli_figures_up``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.context import Runtime
from services import Services
from services.ops import OpsFigures
from services.tickets.categories import CATEGORIES

log = logging.getLogger("linli.ops")
SEND_RATE_WINDOW_S = 60.0
REFRESH_TIMEOUT_S = 5.0
# The delivery worker's own counts (bot/delivery/worker.py) exported as results of sends.
_CATEGORIES = frozenset(c.id for c in CATEGORIES)
_SEND_RESULTS = ("sent", "blocked", "flood_waits", "retried", "dead", "deferred", "migrated")


class LinliCollector(Collector):
    """One process's gauges; register on a Metrics registry, ``await refresh()`` per scrape."""

    def __init__(self, services: Services, runtime: Runtime, clock: Callable[[], float]) -> None:
        self.services = services
        self.runtime = runtime
        self.clock = clock  # monotonic seconds
        self.figures: OpsFigures | None = None
        self.figures_ok = False
        self._sent_samples: deque[tuple[float, int]] = deque()

    async def refresh(self) -> None:
        """Read the database's figures (bounded in time) and sample the send counter."""
        try:
            async with asyncio.timeout(REFRESH_TIMEOUT_S):
                self.figures = await self.services.ops.figures()
            self.figures_ok = True
        except Exception:
            log.warning("metrics: reading the figures from the database failed", exc_info=True)
            self.figures_ok = False
        self._sample_sent()

    def _sample_sent(self) -> None:
        worker = self.runtime.delivery
        if worker is None:
            return
        now = self.clock()
        self._sent_samples.append((now, worker.stats["sent"]))
        while len(self._sent_samples) > 2 and self._sent_samples[1][0] <= now - SEND_RATE_WINDOW_S:
            self._sent_samples.popleft()

    def send_rate(self) -> float:
        """Messages per second the worker sent between the oldest sample within about the
        last minute and now (0 before two scrapes)."""
        if len(self._sent_samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._sent_samples[0], self._sent_samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def collect(self) -> Iterator[Metric]:
        yield from self._figures()
        yield from self._delivery()
        yield from self._knowledge()
        scheduler = self.runtime.scheduler
        leader = GaugeMetricFamily(
            "linli_scheduler_leader",
            "1 while this process is the scheduler leader (runs jobs, sends the outbox).",
        )
        leader.add_metric([], 1.0 if scheduler is not None and scheduler.leads() else 0.0)
        yield leader
        metrics = self.runtime.metrics
        if metrics is not None and metrics.bot_api_reached_at is not None:
            reached = GaugeMetricFamily(
                "linli_bot_api_last_answer_timestamp_seconds",
                "When the Bot API last answered this process (Unix time).",
            )
            reached.add_metric([], metrics.bot_api_reached_at)
            yield reached

    def _figures(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "linli_figures_up", "1 when the last scrape read the database's figures."
        )
        up.add_metric([], 1.0 if self.figures_ok else 0.0)
        yield up
        figures = self.figures
        if figures is None:
            return
        for name, help_text, values in (
            ("linli_tickets_open", "Open tickets, by category.", figures.open_by_category),
            (
                "linli_tickets_overdue",
                "Open tickets past their response or resolution due time, by category.",
                figures.overdue_by_category,
            ),
        ):
            family = GaugeMetricFamily(name, help_text, labels=["category"])
            # Every category, at 0 too: a dashboard's series should not come and go.
            for category in sorted(_CATEGORIES | values.keys()):
                family.add_metric([category], values.get(category, 0))
            yield family
        outbox = GaugeMetricFamily(
            "linli_outbox_messages",
            "Outbox rows pending, being sent and dead (given up), by kind (personal / bulk).",
            labels=["kind", "status"],
        )
        for kind in ("personal", "bulk"):
            for status in ("pending", "sending", "dead"):
                outbox.add_metric([kind, status], figures.outbox.get((kind, status), 0))
        yield outbox

    def _delivery(self) -> Iterator[Metric]:
        worker = self.runtime.delivery
        sends = CounterMetricFamily(
            "linli_outbox_sends",
            "What this process's delivery worker did with outbox rows: sent, blocked (403), "
            "flood_waits (429), retried, dead, deferred, migrated.",
            labels=["result"],
        )
        for result in _SEND_RESULTS:
            sends.add_metric([result], worker.stats[result] if worker is not None else 0)
        yield sends
        rate = GaugeMetricFamily(
            "linli_outbox_send_rate",
            "Messages per second the delivery worker achieved over about the last minute.",
        )
        rate.add_metric([], self.send_rate())
        yield rate

    def _knowledge(self) -> Iterator[Metric]:
        state = self.services.ops.knowledge()
        entries = GaugeMetricFamily(
            "linli_knowledge_entries", "Entries in the live knowledge base."
        )
        entries.add_metric([], state.entries)
        yield entries
        loaded = GaugeMetricFamily(
            "linli_knowledge_loaded_timestamp_seconds",
            "When the live knowledge base was loaded (Unix time).",
        )
        loaded.add_metric([], state.loaded_at)
        yield loaded
        info = GaugeMetricFamily(
            "linli_knowledge_info",
            "The live knowledge base's version (a fingerprint of its files), always 1.",
            labels=["version"],
        )
        info.add_metric([state.version], 1.0)
        yield info
        failures = CounterMetricFamily(
            "linli_knowledge_load_failures",
            "Reloads refused because the knowledge-base files did not validate.",
        )
        failures.add_metric([], state.load_failures)
        yield failures


def monotonic() -> float:
    return time.monotonic()
