"""Filters for the handlers that every resident's message passes on its way to an answer.

PTB evaluates ``a & b & ~c`` as a merged filter per operator, each step re-checking what
kind of update it is; the handlers ahead of the question path took about 65 µs of every
question that way (4 % of its cost under load, measured on bench_updates). Each filter here
is one function with the meaning of the expression it replaced.
"""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import filters


def is_command(message: Message) -> bool:
    """filters.COMMAND: the message starts with a /command."""
    entities = message.entities
    return bool(entities) and (
        entities[0].type == MessageEntity.BOT_COMMAND and entities[0].offset == 0
    )


def is_private_text(message: Message) -> bool:
    """ChatType.PRIVATE & TEXT & ~COMMAND: what a resident types to linli."""
    return message.chat.type == ChatType.PRIVATE and bool(message.text) and not is_command(message)


class PrivateTyped(filters.UpdateFilter):
    """A new private message the person typed or sent, not a command and not a service
    message (ChatType.PRIVATE & UpdateType.MESSAGE & ~COMMAND & ~StatusUpdate.ALL)."""

    def filter(self, update: Update) -> bool:
        message = update.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return False
        if message.text:  # a text is never a service message
            return not is_command(message)
        return not is_command(message) and not filters.StatusUpdate.ALL.check_update(update)
