"""Who is in the middle of something: residents filing, and residents about to add a comment
to their rating.

Filing drafts live in the database (a restart loses nothing); this module only keeps the set
of their owners in memory so that ordinary questions, the bulk of all messages, cost no
database read to rule out a draft. The set is loaded before polling starts (post_init) and
kept in step on start, discard, submit and expiry.

The set is per process. With long polling one process consumes updates and it is exact.
Behind a webhook with several processes (PostgreSQL), each adds the drafts begun in the
others every two seconds (idle_drafts.keep_drafts_in_step), so only a resident who
answers within those seconds in another process gets a Q&A answer instead of the next
filing step. A stale entry (draft expired or submitted elsewhere) is harmless: the handler
finds no draft, drops the entry and lets the message through to the question path.

Rating comments are a short-lived wait (one optional message), kept in memory only: after a
restart the "skip" button still rates, since the buttons carry everything.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Message
from telegram.ext import filters

from handlers.context import Context, LinliApp
from handlers.idle_drafts import keep_drafts_in_step
from services import Services

log = logging.getLogger("linli.handlers.filing")

IDLE = timedelta(minutes=30)
"""A draft nobody touched for this long is dropped (and its owner told)."""
COMMENT_WAIT_S = 30 * 60
_OWNERS = "filing.draft_owners"
_COMMENTS = "filing.pending_comments"


@dataclass(frozen=True, slots=True)
class PendingRating:
    """A rating waiting for its optional comment."""

    number: str
    solved: bool
    score: int
    since: float  # time.monotonic()


class Among(filters.MessageFilter):
    """Messages whose sender is in a set (checked without any I/O)."""

    def __init__(self, ids: set[int] | dict[int, PendingRating], name: str) -> None:
        super().__init__(name=name)
        self._ids = ids

    def filter(self, message: Message) -> bool:
        return message.from_user is not None and message.from_user.id in self._ids


def draft_owners(context: Context) -> set[int]:
    """Telegram ids of residents with a filing draft (this process's view)."""
    owners: set[int] = context.application.bot_data.flow_state[_OWNERS]
    return owners


def pending_comments(context: Context) -> dict[int, PendingRating]:
    """Residents whose next text message is the comment on their rating."""
    pending: dict[int, PendingRating] = context.application.bot_data.flow_state[_COMMENTS]
    return pending


def install(application: LinliApp) -> None:
    """Create the shared state (once), load it before polling starts, schedule expiry."""
    if _OWNERS in application.bot_data.flow_state:
        return
    owners: set[int] = set()
    application.bot_data.flow_state[_OWNERS] = owners
    application.bot_data.flow_state[_COMMENTS] = {}
    keep_drafts_in_step(application, "filing", load_draft_owners, expire_idle_drafts)


async def load_draft_owners(application: LinliApp) -> None:
    """Add everyone with a filing draft in the database to this process's set."""
    services: Services = application.bot_data.services
    application.bot_data.flow_state[_OWNERS].update(await services.tickets.system.draft_owners())


def has_draft(application: LinliApp) -> Among:
    """Filter: the sender is filing (install() first)."""
    return Among(application.bot_data.flow_state[_OWNERS], "has_draft")


def owes_comment(application: LinliApp) -> Among:
    """Filter: the sender's next text is the comment on their rating (install() first)."""
    return Among(application.bot_data.flow_state[_COMMENTS], "owes_comment")


async def expire_idle_drafts(
    application: LinliApp,
    now: datetime,
) -> tuple[int, ...]:
    """Drop drafts idle longer than IDLE (their owners are told through the outbox) and
    forget rating comments nobody wrote; returns whose drafts expired."""
    services: Services = application.bot_data.services
    expired = await services.tickets.system.expire_drafts(now, IDLE)
    application.bot_data.flow_state[_OWNERS].difference_update(expired)
    comments: dict[int, PendingRating] = application.bot_data.flow_state[_COMMENTS]
    cutoff = time.monotonic() - COMMENT_WAIT_S
    for telegram_id in [k for k, v in comments.items() if v.since < cutoff]:
        comments.pop(telegram_id, None)
    if expired:
        log.info("expired %d idle filing drafts", len(expired))
    return expired
