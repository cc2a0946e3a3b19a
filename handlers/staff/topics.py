"""Forum topics in the staff chat: one per ticket, opened when its card is first sent.

For the delivery worker: before sending a "staff.card" row to the staff chat without a
thread, call ``card_thread``; send the card with the topic it returns (None: not a forum).
Messages staff write in the topic then act on that ticket without a number (staff_commands).
"""

from __future__ import annotations

import logging

from telegram import Bot

from handlers.i18n import t
from handlers.staff.render import category_name
from services.tickets import Tickets

log = logging.getLogger("linli.staff")
_MAX_TOPIC_NAME = 128  # Telegram's limit


class ForumChats:
    """Whether a chat is a forum, asked once per chat and remembered."""

    def __init__(self) -> None:
        self._known: dict[int, bool] = {}

    async def is_forum(self, bot: Bot, chat_id: int) -> bool:
        if chat_id not in self._known:
            self._known[chat_id] = bool((await bot.get_chat(chat_id)).is_forum)
        return self._known[chat_id]


async def card_thread(
    bot: Bot,
    tickets: Tickets,
    forums: ForumChats,
    chat_id: int,
    params: dict[str, object],
    language: str,
) -> int | None:
    """The ticket's topic in a forum staff chat, opened and recorded if it has none yet;
    None when the chat is not a forum. ``params`` are the "staff.card" row's."""
    ticket_id = int(str(params["ticket_id"]))
    existing = await tickets.system.staff_thread(ticket_id)
    if existing is not None or not await forums.is_forum(bot, chat_id):
        return existing
    name = t(
        language,
        "staff.topic_name",
        number=params["number"],
        category=category_name(language, str(params["category"])),
    )
    topic = await bot.create_forum_topic(chat_id, name[:_MAX_TOPIC_NAME])
    in_effect = await tickets.system.set_staff_thread(ticket_id, topic.message_thread_id)
    if in_effect != topic.message_thread_id:  # another worker was first: use its topic
        log.warning("ticket %s got two topics; using %s", params["number"], in_effect)
    return in_effect
