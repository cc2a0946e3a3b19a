"""Admin commands in Telegram."""

from __future__ import annotations

from telegram import Update

from handlers.context import Context
from handlers.i18n import t
from handlers.people import identify
from handlers.replies import reply
from knowledge import KnowledgeBaseError
from services import PermissionDenied


async def reload_command(update: Update, context: Context) -> None:
    """/reload: re-read the knowledge base without a restart (admins only)."""
    caller = await identify(update, context)
    if caller is None:
        return
    try:
        count = await context.services.reload_knowledge(caller.resident.telegram_id)
    except PermissionDenied:
        await reply(update, t(caller.language, "permission.denied"))
        return
    except KnowledgeBaseError as exc:
        problems = "\n".join(str(p) for p in exc.problems[:10])
        await reply(update, t(caller.language, "reload.failed", problems=problems))
        return
    await reply(update, t(caller.language, "reload.done", count=count))
