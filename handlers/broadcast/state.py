"""Who is composing a broadcast, and what their next typed message is for.

The draft itself (text, photo, audience, urgency, time) lives in the database, so a restart
loses nothing of it. Kept in memory is only the question asked last: "text", "topic",
"community", "building", "time", or "buttons" (a question answered with buttons only).
Owners of open drafts are loaded before polling starts with "buttons": after a restart their
next message brings back the draft's preview with its buttons, from where every choice can be
changed. Like the filing drafts (handlers/filing/state.py), this is exact for one process
consuming updates.

Drafts left alone for IDLE are discarded every minute (their authors are told through the
outbox) and their authors forgotten here, so that their next message is a question again;
so is someone who sent /broadcast and never the text (kept only here, with the time asked).
An entry whose draft is gone anyway (expired or sent in another process) is dropped by the
typed-input and /cancel handlers, which then let the message through to the question path
or the ordinary /cancel.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Message
from telegram.ext import filters

from handlers.context import Context, LinliApp
from handlers.idle_drafts import keep_drafts_in_step
from services import Services
from services.notices.drafts import NoticeDrafts

log = logging.getLogger("linli.handlers.broadcast")

IDLE = timedelta(minutes=60)
"""A broadcast draft nobody touched for this long is discarded (and its author told)."""
_STEPS = "broadcast.steps"
_TEXT_ASKED = "broadcast.text_asked"  # Telegram id -> when /broadcast asked for the text
TEXT, TOPIC, COMMUNITY, BUILDING, TIME = "text", "topic", "community", "building", "time"
BUTTONS = "buttons"
TYPED = (TOPIC, COMMUNITY, BUILDING, TIME)


class Composing(filters.MessageFilter):
    """Messages whose sender is composing a broadcast (checked without any I/O)."""

    def __init__(self, steps: dict[int, str]) -> None:
        super().__init__(name="composing_broadcast")
        self._steps = steps

    def filter(self, message: Message) -> bool:
        return message.from_user is not None and message.from_user.id in self._steps


def steps(context: Context) -> dict[int, str]:
    """Telegram id of each official composing -> what their next typed message answers."""
    found: dict[int, str] = context.application.bot_data.flow_state[_STEPS]
    return found


def ask_for_text(context: Context, telegram_id: int) -> None:
    """Take this person's next message as a new notice's text (until IDLE passes)."""
    services: Services = context.services
    steps(context)[telegram_id] = TEXT
    context.application.bot_data.flow_state[_TEXT_ASKED][telegram_id] = services.delivery.clock()


async def load_composers(application: LinliApp) -> None:
    """Add everyone with an open broadcast draft to this process's map; their next message
    brings back the draft's preview (a restart, or a draft begun in another process)."""
    services: Services = application.bot_data.services
    found: dict[int, str] = application.bot_data.flow_state[_STEPS]
    for owner in await NoticeDrafts(services.db).owners():
        found.setdefault(owner, BUTTONS)


def drafts(context: Context) -> NoticeDrafts:
    services: Services = context.services
    return NoticeDrafts(services.db)


def install(application: LinliApp) -> Composing:
    """Create the shared state (once), load open drafts' owners before polling starts,
    schedule expiry, and return the filter for messages of officials composing."""
    if _STEPS not in application.bot_data.flow_state:
        found: dict[int, str] = {}
        application.bot_data.flow_state[_STEPS] = found
        application.bot_data.flow_state[_TEXT_ASKED] = {}
        keep_drafts_in_step(application, "broadcast", load_composers, expire_idle_drafts)
    return Composing(application.bot_data.flow_state[_STEPS])


async def expire_idle_drafts(
    application: LinliApp,
    now: datetime,
) -> tuple[int, ...]:
    """Discard drafts idle longer than IDLE (their authors are told through the outbox),
    forget their authors and those asked for a text longer ago; returns whose drafts expired."""
    services: Services = application.bot_data.services
    expired = await services.notices.expire_drafts(now, IDLE)
    found: dict[int, str] = application.bot_data.flow_state[_STEPS]
    for telegram_id in expired:
        found.pop(telegram_id, None)
    asked: dict[int, datetime] = application.bot_data.flow_state[_TEXT_ASKED]
    for telegram_id, at in list(asked.items()):
        if found.get(telegram_id) != TEXT:
            del asked[telegram_id]  # moved on: the draft in the database counts from now on
        elif at < now - IDLE:
            del asked[telegram_id], found[telegram_id]
    if expired:
        log.info("expired %d idle broadcast drafts", len(expired))
    return expired
