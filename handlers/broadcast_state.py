"""Who is composing a broadcast, and what their next typed message is for.

The draft itself (text, photo, audience, urgency, time) lives in the database, so a restart
loses nothing of it. Kept in memory is only the question asked last: "text", "topic",
"community", "building", "time", or "buttons" (a question answered with buttons only).
Owners of open drafts are loaded before polling starts with "buttons": after a restart their
next message brings back the draft's preview with its buttons, from where every choice can be
changed. Like the filing drafts (handlers/filing_state.py), this is exact for one process
consuming updates.
"""

from __future__ import annotations

from telegram import Message
from telegram.ext import Application, ContextTypes, filters

from services import Services
from services.notice_drafts import NoticeDrafts

_STEPS = "broadcast.steps"
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


def steps(context: ContextTypes.DEFAULT_TYPE) -> dict[int, str]:
    """Telegram id of each official composing -> what their next typed message answers."""
    found: dict[int, str] = context.application.bot_data[_STEPS]
    return found


def drafts(context: ContextTypes.DEFAULT_TYPE) -> NoticeDrafts:
    services: Services = context.application.bot_data["services"]
    return NoticeDrafts(services.db)


def install(application: Application) -> Composing:  # type: ignore[type-arg]
    """Create the shared state (once), load open drafts' owners before polling starts, and
    return the filter for messages of officials composing."""
    if _STEPS not in application.bot_data:
        found: dict[int, str] = {}
        application.bot_data[_STEPS] = found
        previous = application.post_init

        async def load(app: Application) -> None:  # type: ignore[type-arg]
            if previous is not None:
                await previous(app)
            services: Services = app.bot_data["services"]
            for owner in await NoticeDrafts(services.db).owners():
                found.setdefault(owner, BUTTONS)

        application.post_init = load
    return Composing(application.bot_data[_STEPS])
