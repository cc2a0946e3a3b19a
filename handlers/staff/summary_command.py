"""/summary in the staff chat: write or read a ticket's public summary.

/summary <no> <text> writes it (inside a ticket's topic the number may be left out, as for
the other staff commands); /summary <no> alone shows what the public reads now. The service
checks role, place, status and length; a refusal is one sentence and changes nothing.
"""

from __future__ import annotations

from telegram import Update

from handlers.context import Context
from handlers.i18n import t
from handlers.replies import reply
from handlers.staff.commands import read_ticket_command
from handlers.staff.common import Refused, attempt
from handlers.staff.summary import current
from services.access import Actor
from services.tickets import SummaryView
from services.tickets.summaries import MAX_SUMMARY, EmptySummary, SummaryTooLong


async def summary_command(update: Update, context: Context) -> None:
    """/summary <no> [text]: write the public summary, or show it."""
    command = await read_ticket_command(update, context, "summary", "optional", limit=MAX_SUMMARY)
    if command is None:
        return
    language, number, text = command.language, command.number, command.text
    actor = command.caller.actor
    summaries = context.services.tickets.summaries
    if not text:
        shown = await attempt(language, number, "summary", summaries.show(actor, number))
        await reply(update, shown.text if isinstance(shown, Refused) else current(language, shown))
        return
    written = await attempt(
        language, number, "summary", _write(language, actor, number, text, context)
    )
    if isinstance(written, Refused):
        await reply(update, written.text)
        return
    await reply(update, t(language, "staff.done.summary", number=number, summary=written.published))


async def _write(
    language: str, actor: Actor, number: str, text: str, context: Context
) -> SummaryView | Refused:
    """The service call, with the refusals only a summary has said in words (the others
    are ``attempt``'s)."""
    try:
        return await context.services.tickets.summaries.set_summary(actor, number, text)
    except SummaryTooLong as exc:
        return Refused(t(language, "staff.summary.too_long", limit=exc.limit, length=exc.units))
    except EmptySummary:
        return Refused(t(language, "staff.usage.summary", limit=MAX_SUMMARY))
