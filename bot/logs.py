"""Logging for ``linli run``: text for people, one JSON object per line for log collectors.

Every record carries what it is about, from ``services.log_context``: the update id and kind,
the handler, the ticket number, and on the line that closes an update its duration. Secrets
(the token, the webhook secret) are masked in whatever is written, and the libraries' DEBUG
lines that would carry residents' messages (PTB's Bot API parameters and results, update
contents, aiosqlite's statements) are cut to what is not personal.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from functools import wraps
from typing import Any, Literal, TextIO

from pythonjsonlogger.json import JsonFormatter
from telegram import Update
from telegram.ext import Application

from bot.log_secrets import HideSecrets
from services import log_context

LogFormat = Literal["text", "json"]
log = logging.getLogger("linli.updates")
CONTEXT_FIELDS = ("update_id", "update_kind", "handler", "ticket", "duration_ms")
HIDDEN = "<hidden: may hold personal data>"
# PTB's DEBUG lines that carry message text, phone numbers or whole updates: how many of
# their arguments to keep (the endpoint name is harmless, the parameters are not).
_CONTENT_ARGS = {
    "Calling Bot API endpoint `%s` with parameters `%s`": 1,
    "Call to Bot API endpoint `%s` finished with return value `%s`": 1,
    "Webhook received data: %s": 0,
    "Processing update %s": 0,
    "Dropping pending update: %s": 0,
    "Request had the wrong secret token: %s": 0,
}
# Libraries whose DEBUG output repeats request contents or SQL parameters.
_QUIET = {"httpx": logging.WARNING, "httpcore": logging.INFO, "aiosqlite": logging.INFO}


class AddContext(logging.Filter):
    """Puts the bound fields (update, handler, ticket) on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in log_context.log_fields().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class HidePersonalData(logging.Filter):
    """Cuts the arguments of known library lines that carry personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        keep = _CONTENT_ARGS.get(record.msg) if isinstance(record.msg, str) else None
        if keep is not None and isinstance(record.args, tuple):
            record.args = record.args[:keep] + (HIDDEN,) * (len(record.args) - keep)
        return True


class _Masking(logging.Formatter):
    """Masks the secrets in the finished line: tracebacks and extra fields included."""

    mask: HideSecrets

    def format(self, record: logging.LogRecord) -> str:
        return self.mask.masked(super().format(record))


class TextFormatter(_Masking):
    """``time LEVEL logger: message [update id 12, update kind message, handler …, ticket …,
    3.1 ms]``: the context fields the record has, after the message (before a traceback)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.mask = HideSecrets(secrets)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        shown = [
            f"{name.replace('_', ' ')} {getattr(record, name)}"
            for name in CONTEXT_FIELDS[:4]
            if hasattr(record, name)
        ]
        if hasattr(record, "duration_ms"):
            shown.append(f"{record.duration_ms} ms")
        if not shown:
            return line
        first, newline, rest = line.partition("\n")  # after the message, before a traceback
        return f"{first} [{', '.join(shown)}]{newline}{rest}"


class JsonLineFormatter(_Masking, JsonFormatter):
    """One JSON object per line: timestamp, level, logger, message and the context fields."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "traceback"},
            timestamp=True,
            json_ensure_ascii=False,
        )
        self.mask = HideSecrets(secrets)


def configure_logging(
    level: str, log_format: LogFormat, secrets: Iterable[str], stream: TextIO | None = None
) -> logging.Handler:
    """Log to ``stream`` (stderr) in ``log_format``; returns the handler installed on the root
    logger (tests remove it again)."""
    secrets = tuple(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter = JsonLineFormatter(secrets) if log_format == "json" else TextFormatter(secrets)
    handler.setFormatter(formatter)
    for filter_ in (HidePersonalData(), AddContext(), HideSecrets(secrets)):
        handler.addFilter(filter_)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet_level in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet_level, logging.getLevelName(level)))
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return handler


async def logged_update(update: object, handling: Awaitable[Any]) -> None:
    """Handle one update with its id and kind bound for every log line, then log one line
    that it was handled, by which handler, in how long."""
    log_context.clear()
    if isinstance(update, Update):
        log_context.bind(update_id=update.update_id, update_kind=_kind(update))
    started = time.perf_counter()
    try:
        await handling
    finally:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        log.info("update handled", extra={"duration_ms": duration_ms})


def _kind(update: Update) -> str:
    return next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "other")


def name_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Wrap every handler's callback so that log lines name the handler that ran."""
    for handlers in application.handlers.values():
        for handler in handlers:
            callback = getattr(handler, "callback", None)
            if callback is not None and not getattr(callback, "_linli_named", False):
                handler.callback = _named(callback)


def _named(callback: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    name = f"{callback.__module__}.{callback.__qualname__}".removeprefix("handlers.")

    @wraps(callback)
    async def run(*args: Any, **kwargs: Any) -> Any:
        log_context.bind(handler=name)
        return await callback(*args, **kwargs)

    run._linli_named = True  # type: ignore[attr-defined]
    return run
