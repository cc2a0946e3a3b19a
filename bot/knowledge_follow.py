"""Every process follows the knowledge-base files: a change is live within seconds.

Behind a webhook each process holds its own matcher, so an admin's /reload or the learning
loop's new `_learned.yaml` in one process must reach the others; an operator's edit to the
files is picked up the same way. Files that do not validate are reported once per version
in the log and the running knowledge base stays, as with /reload.
"""

from __future__ import annotations

import logging

from bot.follow import reload_or_keep
from handlers.context import Context
from knowledge import KnowledgeBaseError
from services import Services

log = logging.getLogger("linli.knowledge")


async def reload_if_changed(context: Context) -> int | None:
    """One check; the new entry count when the files changed and loaded, else None."""
    services: Services = context.services
    count = await reload_or_keep(
        services.knowledge.reload_if_changed,
        KnowledgeBaseError,
        log,
        "the knowledge-base files changed but have %d problem(s), first: %s; the running "
        "knowledge base stays (linli kb check lists them all)",
    )
    if count is not None:
        log.info("knowledge base reloaded after its files changed: %d entries", count)
    return count
