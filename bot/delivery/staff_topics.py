"""Staff cards open the ticket's own topic when the staff chat is a forum."""

from __future__ import annotations

import dataclasses

from telegram import Bot

from bot.delivery.worker import Prepare
from handlers.staff.topics import ForumChats, card_thread
from services import Services
from services.delivery import OutgoingMessage


def staff_card_topics(services: Services) -> Prepare:
    """A delivery ``prepare`` hook: a "staff.card" row without a thread gets the ticket's topic.

    The topic is opened (and recorded on the ticket) before the card is sent, so a retried
    card finds it and opens no second one; in a chat that is not a forum nothing changes.
    """
    forums = ForumChats()

    async def prepare(bot: Bot, message: OutgoingMessage, chat_id: int) -> OutgoingMessage:
        central = services.tickets.settings.staff_chat_id
        # Per-ticket topics in the central chat only: a unit works in its chat or the one
        # topic its configuration names (services/tickets/units.py).
        if message.message_key != "staff.card" or message.thread_id is not None:
            return message
        if chat_id != central:
            return message
        thread = await card_thread(
            bot, services.tickets, forums, chat_id, dict(message.params), message.language
        )
        return message if thread is None else dataclasses.replace(message, thread_id=thread)

    return prepare
