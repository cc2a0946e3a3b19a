"""The last line of defence: log the failure, apologise, keep running."""

from __future__ import annotations

import logging

from telegram import Update

from handlers.context import Context
from handlers.i18n import t
from handlers.people import identify

log = logging.getLogger("linli.handlers")


async def on_error(update: object, context: Context) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = "zh-Hans"
    try:
        caller = await identify(update, context)
        if caller is not None:
            language = caller.language
    except Exception:  # the database may be what failed; apologise in the default language
        log.warning("could not identify the sender of update %s", update_id)
    try:
        await update.effective_chat.send_message(t(language, "error.apology"))
    except Exception:
        log.exception("could not send the apology for update %s", update_id)
