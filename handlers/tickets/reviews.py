"""A resident asks for a review of a rejection (申请复核): the button ``rv:ask:<ticket id>``
under the rejection message. The service checks whose ticket it is, where the press came
from, its status, the time limit and that it is the first request; every refusal is said."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from handlers.callbacks import int_arg
from handlers.context import Context, LinliApp
from handlers.guards import pressed
from handlers.i18n import t
from handlers.render import when
from handlers.replies import reply
from handlers.staff.common import drop_buttons
from services.access import WrongPlace
from services.errors import NotFound
from services.tickets.reviews import REVIEW_WITHIN, CannotReview

PATTERN = r"^rv:ask:"


async def on_review_button(update: Update, context: Context) -> None:
    """rv:ask:<ticket id>: ask for the review, or be told why not."""
    press = await pressed(update, context)
    if press is None:
        return
    caller, lang = press.caller, press.caller.language
    ticket_id = int_arg(press.callback, 1)
    if ticket_id is None:
        await reply(update, t(lang, "stale_button"))
        return
    tickets = context.services.tickets
    try:
        asked = await tickets.reviews.ask(caller.actor, ticket_id)
    except WrongPlace:
        await reply(update, t(lang, "review.use_private"))
        return
    except NotFound:
        await reply(update, t(lang, "review.not_yours"))
        return
    except CannotReview as exc:
        key = f"review.refused.{exc.reason}"
        await reply(update, t(lang, key, number=exc.number, days=REVIEW_WITHIN))
        return
    message = press.query.message
    if message is not None:  # asked once: the button has done its work
        await drop_buttons(context, message.chat.id, message.message_id)
    due = when(lang, asked.answer_due_at, tickets.timezone)
    await reply(update, t(lang, "review.asked", number=asked.number, due=due))


def register(application: LinliApp) -> None:
    """The button under a rejection (any chat: the service says where)."""
    application.add_handler(CallbackQueryHandler(on_review_button, pattern=PATTERN))
