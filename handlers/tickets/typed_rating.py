"""A typed 没解决 / 解决了 / "not solved" / "solved" answers the rating question.

The rating question ("ticket.rate_request", with tk:rate buttons) is an outbox message, so
no flow claims the resident when it is sent, and a typed answer used to reach the question
matcher ("I don't know"). This handler runs before the question path (group -1) on private
texts that are a rating answer (services/tickets/typed_answers.py) and asks the service which
of the resident's tickets await a rating: one → the answer counts like the button (the
score question for that ticket follows, as after a press); several → which one, with the
buttons of each; none → the text goes on to the question path. A resident in a flow that
waits for typed input (filing, a rating comment) is routed there first (group -3).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from handlers.context import Context, LinliApp
from handlers.i18n import t
from handlers.message_filters import is_private_text
from handlers.people import identify
from handlers.replies import reply
from handlers.tickets.commands import score_keyboard
from services.tickets.typed_answers import rating_answer

RATING_GROUP = -1


class _RatingWords(filters.UpdateFilter):
    """A new private text that is a short answer to "was it solved?"."""

    def filter(self, update: Update) -> bool:
        message = update.message
        return (
            message is not None
            and is_private_text(message)
            and rating_answer(message.text or "") is not None
        )


def register(application: LinliApp) -> None:
    """Typed rating answers in private chats, after replies to ticket messages (group -1)."""
    application.add_handler(MessageHandler(_RatingWords(), on_typed_answer), RATING_GROUP)


async def on_typed_answer(update: Update, context: Context) -> None:
    """Take the answer when a rating is awaited; otherwise let the question path have it."""
    message = update.message
    solved = rating_answer(message.text or "") if message else None
    if solved is None:
        return
    caller = await identify(update, context)
    if caller is None:
        return
    waiting = await context.services.tickets.resident.awaiting_rating(caller.actor)
    if not waiting:
        return  # no rating question open: an ordinary question
    lang = caller.language
    if len(waiting) == 1:
        number = waiting[0].number
        keyboard = score_keyboard(lang, number, solved)
        await reply(update, t(lang, "rating.ask_score", number=number), keyboard)
    else:
        answer = "y" if solved else "n"
        rows = [
            [
                InlineKeyboardButton(
                    ticket.number, callback_data=f"tk:rate:{ticket.ticket_id}:{answer}"
                )
            ]
            for ticket in waiting
        ]
        await reply(update, t(lang, "rating.typed_which"), InlineKeyboardMarkup(rows))
    raise ApplicationHandlerStop
