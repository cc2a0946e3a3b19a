"""Who is asking, and in which language to answer them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from telegram import Update

from handlers.context import Context
from services import ResidentView, reply_language
from services.access import Actor
from services.residents.languages import says_script

SCRIPT_MEMORY_S = 30 * 60
"""How long a script the person wrote in (other than their setting) also holds for their
button presses, commands and numbers: a resident who types Traditional and then taps a
button expects the next step in Traditional too."""
_LAST_SCRIPT = "people.last_script"


@dataclass(frozen=True, slots=True)
class Caller:
    resident: ResidentView
    language: str
    actor: Actor
    """Who asks and from which chat: what every service call is given to check."""


def actor_of(update: Update) -> Actor | None:
    """Who acts, and from which chat: what every service call is given to check (also
    ``Caller.actor``, for handlers that identify the person anyway)."""
    user, chat = update.effective_user, update.effective_chat
    return None if user is None or chat is None else Actor(user.id, chat.id)


async def identify(
    update: Update, context: Context, *, text_is_for_others: bool = False
) -> Caller | None:
    """Register (or refresh) the sender and pick the reply language for this update.

    ``text_is_for_others``: what they typed is content for someone else (a notice for
    residents), which says nothing about their own language.
    """
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    resident = await context.services.residents.register(
        telegram_id=user.id,
        chat_id=chat.id if chat.type == chat.PRIVATE else user.id,
        display_name=user.full_name,
        language_code=user.language_code,
    )
    # Only a message the person typed says which script they use; a button press carries the
    # bot's own text, so it follows what they last wrote (per process, for a while).
    text = update.message.text if update.message and update.message.text else ""
    if text_is_for_others:
        text = ""
    language = _language(context, resident.language, text)
    return Caller(resident, language, Actor(user.id, chat.id))


def _language(context: Context, preferred: str, text: str) -> str:
    memory = context.user_data if context.user_data is not None else {}
    if says_script(text):
        language = reply_language(preferred, text)
        if language == preferred:
            memory.pop(_LAST_SCRIPT, None)
        else:
            memory[_LAST_SCRIPT] = (language, preferred, time.monotonic())
        return language
    remembered = memory.get(_LAST_SCRIPT)
    # A changed setting (/language) wins over what was written before it.
    fresh = remembered and time.monotonic() - remembered[2] < SCRIPT_MEMORY_S
    if fresh and remembered[1] == preferred:
        return str(remembered[0])
    return preferred
