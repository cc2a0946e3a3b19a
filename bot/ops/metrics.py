"""linli's Prometheus metrics for one Application: counters fed by thin hooks (the update
processor, the Bot API transport, service events) and gauges read from services at scrape
time (bot/ops/collector.py).

Every label has a small fixed set of values: update kinds, matcher decisions, ticket
categories and statuses, Bot API method names and outcomes. Never a chat id, a user id, a
ticket number or any text a person wrote.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from telegram import Update

from services import events
from services.tickets.categories import CATEGORIES

# Seconds: a reply is fast at tens of milliseconds and a complaint's last step with photos
# may take a second or two; beyond ten something is wrong.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "channel_post",
    "edited_channel_post",
    "inline_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "poll_answer",
    "pre_checkout_query",
)
_CATEGORIES = frozenset(c.id for c in CATEGORIES)
# Outcomes that show Telegram answering with this token (401/404: the token is refused).
_REACHED = frozenset({"ok", "400", "403", "409", "429"})


def update_kind(update: object) -> str:
    """Which kind of update this is ("message", "callback_query" …; "other")."""
    if isinstance(update, Update):
        for kind in UPDATE_KINDS:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


def _category(value: str) -> str:
    return value if value in _CATEGORIES else "other"


class Metrics:
    """A registry of its own per Application, so tests (and a console) can build several."""

    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        self.updates = Counter(
            "linli_updates", "Updates handled, by kind.", ["kind"], registry=registry
        )
        self.reply_latency = Histogram(
            "linli_reply_latency_seconds",
            "From the start of an update's handling (with its wait for earlier updates of "
            "the same chat) to its end, the reply sent.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.decisions = Counter(
            "linli_matcher_decisions",
            "Residents' questions by the matcher's decision.",
            ["decision"],
            registry=registry,
        )
        self.feedback = Counter(
            "linli_answer_feedback",
            "Residents' 👍 / 👎 on answers (a 'none of these' counts as unhelpful).",
            ["feedback"],
            registry=registry,
        )
        self.tickets_filed = Counter(
            "linli_tickets_filed", "Tickets filed, by category.", ["category"], registry=registry
        )
        self.tickets_closed = Counter(
            "linli_tickets_closed",
            "Tickets ended (closed, rejected or merged), by category.",
            ["category", "status"],
            registry=registry,
        )
        self.api_requests = Counter(
            "linli_bot_api_requests",
            "Bot API calls by method and outcome (ok, an HTTP status such as 429 or 403, 5xx, "
            "timeout, network_error).",
            ["method", "outcome"],
            registry=registry,
        )
        self.api_seconds = Histogram(
            "linli_bot_api_request_seconds",
            "Duration of Bot API calls (getUpdates long polls included).",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # Label children by metric and values: prometheus_client's labels() takes a lock and
        # checks its arguments on every call (2 µs; a question makes five such calls).
        self._children: dict[tuple[object, tuple[str, ...]], Any] = {}
        self._prefill()
        self.bot_api_reached_at: float | None = None  # time.time() of the last answer
        self._unsubscribe: Callable[[], None] | None = None

    def _prefill(self) -> None:
        """Series that alerts divide by exist from the start, at 0."""
        for decision in ("answer", "suggest", "none"):
            self.decisions.labels(decision)
        for feedback in ("helpful", "unhelpful"):
            self.feedback.labels(feedback)
        for outcome in ("ok", "429", "403", "5xx", "timeout", "network_error"):
            self.api_requests.labels("sendMessage", outcome)

    def _series(self, metric: Counter | Histogram, *values: str) -> Any:
        """``metric.labels(*values)``, looked up once per metric and values."""
        key = (metric, values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def open(self) -> None:
        """Count service events (matcher decisions, tickets) from now on."""
        if self._unsubscribe is None:
            self._unsubscribe = events.subscribe(self.on_event)

    def close(self) -> None:
        """Stop counting service events (the Application stops)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # --- hooks -----------------------------------------------------------------------------

    def observe_update(self, update: object, seconds: float) -> None:
        """One update handled in ``seconds`` (called by the update processor)."""
        kind = update_kind(update)
        self._series(self.updates, kind).inc()
        self._series(self.reply_latency, kind).observe(seconds)

    def observe_api_call(self, method: str, outcome: str, seconds: float) -> None:
        """One Bot API call (called by the transport); an answer means Telegram is reachable."""
        self._series(self.api_requests, method, outcome).inc()
        self.api_seconds.observe(seconds)
        if outcome in _REACHED:
            self.bot_api_reached_at = time.time()

    def on_event(self, name: str, labels: Mapping[str, str]) -> None:
        """A service event (services/events.py) counted."""
        if name == events.QUESTION_DECIDED:
            self._series(self.decisions, labels.get("decision", "none")).inc()
        elif name == events.ANSWER_FEEDBACK:
            self.feedback.labels(labels.get("feedback", "unhelpful")).inc()
        elif name == events.TICKET_FILED:
            self.tickets_filed.labels(_category(labels.get("category", ""))).inc()
        elif name == events.TICKET_CLOSED:
            status = labels.get("status", "closed")
            self.tickets_closed.labels(_category(labels.get("category", "")), status).inc()
