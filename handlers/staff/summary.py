"""What the public reads about a ticket, told to staff: after /summary, and after a resolve.

The 居务公开 disclosure and exports without personal data show a ticket's public summary
(services/tickets/summaries.py), never the resident's words; staff see here what it is now
and whether they wrote it or it is the default. The command is in summary_command.py.
"""

from __future__ import annotations

from telegram import Update

from handlers.context import Context
from handlers.i18n import t
from handlers.staff.common import Refused, attempt
from services.access import Actor
from services.tickets import SummaryView


def current(language: str, view: SummaryView) -> str:
    """What the public reads about a ticket, and whether staff wrote it or it is the default."""
    key = "staff.summary.written" if view.written else "staff.summary.default"
    return t(language, key, number=view.number, summary=view.published, default=view.default)


HINTED = frozenset({"resolve", "reject"})
"""The actions after which staff are told what the public will read."""


async def with_summary_hint(
    update: Update, context: Context, language: str, action: str, number: str, text: str
) -> str:
    """``text`` (the confirmation of ``action``) followed, after a resolve or a reject, by
    what the public will read and how to change it. Only the text when that cannot be
    read: the action itself is done and confirmed either way."""
    user, chat = update.effective_user, update.effective_chat
    if action not in HINTED or user is None or chat is None:
        return text
    summaries = context.services.tickets.summaries
    view = await attempt(
        language, number, "summary", summaries.show(Actor(user.id, chat.id), number)
    )
    return text if isinstance(view, Refused) else f"{text}\n\n{current(language, view)}"
