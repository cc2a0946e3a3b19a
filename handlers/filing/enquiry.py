"""🙋 "ask a person" under a question linli could not answer (or under 转人工): the question
becomes an enquiry ticket for staff.

A message that only asks for a person (转人工, 人工客服 …) tells staff nothing, so the
service files nothing for it (QuestionNeeded): linli asks the resident in one message what
they need help with, and their next typed message (an Owed.ENQUIRY flow, routed by
handlers/awaiting.py) is filed as the enquiry. /cancel ends it, filing nothing.
"""

from __future__ import annotations

from telegram import Update

from handlers.awaiting import claim, release, saying
from handlers.callbacks import decode, int_arg
from handlers.context import Context
from handlers.i18n import t
from handlers.people import identify
from handlers.questions.answers import tell_banned
from handlers.render import when
from handlers.replies import reply
from services import InvalidInput, NotFound
from services.access import WrongPlace
from services.residents.awaiting import AwaitingView, Owed
from services.residents.limits import Banned
from services.tickets import TicketView
from services.tickets.filing import QuestionNeeded
from services.tickets.validation import MAX_DESCRIPTION, MIN_QUESTION


async def ask_person(update: Update, context: Context) -> None:
    """ask:<query id>: that question becomes an enquiry ticket (once); a request for a
    person alone is asked what it is about first."""
    query, caller = update.callback_query, await identify(update, context)
    if query is None or caller is None:
        return
    cb, lang = decode(query.data), caller.language
    # An id linli never made asks for question 0, which no one has: not found, once the
    # service has said whether this chat is a place to ask at all.
    query_id = (int_arg(cb, 0) if cb is not None else None) or 0
    try:
        ticket, filed = await context.services.tickets.filing.file_enquiry_from_query(
            caller.actor, query_id
        )
    except WrongPlace:
        await query.answer(t(lang, "filing.private_only"), show_alert=True)
        return
    except QuestionNeeded:
        await query.answer()
        await claim(update, context, caller, Owed.ENQUIRY, str(query_id))
        await reply(update, t(lang, "enquiry.what_about"))
        return
    except (NotFound, InvalidInput):
        await query.answer()
        await reply(update, t(lang, "stale_button"))
        return
    except Banned as refusal:
        await query.answer()
        await tell_banned(update, context, lang, refusal)
        return
    await query.answer()
    await _tell_filed(
        update, context, lang, ticket, "enquiry.filed" if filed else "enquiry.already"
    )


async def on_answer(update: Update, context: Context, owed: AwaitingView) -> bool:
    """The resident's words after "what do you need help with?": filed as the enquiry."""
    message = update.message
    caller = await identify(update, context)
    if message is None or caller is None:
        return False
    lang = caller.language
    if not message.text:  # a photo or a sticker: the question is still owed
        await reply(update, t(lang, "enquiry.text_only"))
        return True
    try:
        ticket = await context.services.tickets.filing.file_asked_enquiry(
            caller.actor, message.text
        )
    except QuestionNeeded:
        await reply(update, t(lang, "enquiry.what_about_again"))
        return True
    except NotFound:  # cancelled or run out meanwhile: an ordinary message
        return False
    except InvalidInput:  # empty or too long: still owed, let them try again
        limits = {"shortest": MIN_QUESTION, "longest": MAX_DESCRIPTION}
        await reply(update, t(lang, "enquiry.bad_text", **limits))
        return True
    except Banned as refusal:
        await release(context, caller.resident.telegram_id, Owed.ENQUIRY)
        await tell_banned(update, context, lang, refusal)
        return True
    await _tell_filed(update, context, lang, ticket, "enquiry.filed")
    return True


cancel_enquiry = saying("enquiry.cancelled")
"""/cancel instead of saying what it is about: nothing is filed."""


async def _tell_filed(
    update: Update, context: Context, lang: str, ticket: TicketView, key: str
) -> None:
    due = when(lang, ticket.response_due_at, context.services.tickets.timezone)
    await reply(update, t(lang, key, number=ticket.number, response_due=due))
