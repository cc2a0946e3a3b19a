"""Following a folder live in every process: reload when its files changed, and when the new
version does not validate, log it once with its first problem and keep the running one.

Behind a webhook each process holds its own copy (the knowledge base's matcher, the
district's configuration), so each checks the files itself; the services refuse a broken
version once (its files' version is remembered), hence one log line per version.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from knowledge import KnowledgeBaseError
from services.district import DistrictError

T = TypeVar("T")


async def reload_or_keep(
    reload: Callable[[], Awaitable[T | None]],
    refused: type[KnowledgeBaseError | DistrictError],
    log: logging.Logger,
    refused_message: str,
) -> T | None:
    """What ``reload`` returned (None: nothing changed), or None when it raised ``refused``:
    then ``refused_message`` is logged with the number of problems and the first one."""
    try:
        return await reload()
    except refused as exc:
        log.error(refused_message, len(exc.problems), exc.problems[0] if exc.problems else "?")
        return None
