"""The canned texts (常用语) offered as buttons under a prompt or a follow-up:
cn:<canned id>:<ticket id> (handlers/staff/canned.py takes the press)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import encode
from handlers.context import Context
from services.access import Actor
from services.errors import InvalidInput, NotFound, PermissionDenied

_LABEL = 40
"""Characters of a text shown on its button (Telegram cuts long labels anyway)."""


async def canned_keyboard(
    context: Context, actor: Actor, ticket_id: int, action: str
) -> InlineKeyboardMarkup | None:
    """The canned texts for ``action`` on this ticket as buttons, or None when there are
    none (or the presser may not have them: the prompt itself has said what to do)."""
    canned = context.services.tickets.canned
    try:
        offered = await canned.offered(actor, ticket_id, action)
    except (PermissionDenied, NotFound, InvalidInput):
        return None
    if not offered:
        return None
    rows = [
        [InlineKeyboardButton(_label(c.text), callback_data=encode("cn", c.id, ticket_id))]
        for c in offered
    ]
    return InlineKeyboardMarkup(rows)


def _label(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _LABEL else flat[: _LABEL - 1] + "…"
