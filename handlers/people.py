"""Who is asking, and in which language to answer them."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from services import ResidentView, Services, reply_language


@dataclass(frozen=True, slots=True)
class Caller:
    resident: ResidentView
    language: str


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services: Services = context.application.bot_data["services"]
    return services


async def identify(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Caller | None:
    """Register (or refresh) the sender and pick the reply language for this update."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    resident = await services_of(context).residents.register(
        telegram_id=user.id,
        chat_id=chat.id if chat.type == chat.PRIVATE else user.id,
        display_name=user.full_name,
        language_code=user.language_code,
    )
    # Only a message the person typed says which script they use; a button press carries the
    # bot's own text, so it keeps the person's setting.
    text = update.message.text if update.message and update.message.text else ""
    return Caller(resident, reply_language(resident.language, text))
