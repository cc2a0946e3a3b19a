"""A typed 没解决 / 解决了 / "not solved" / "solved" answers the rating question.

The rating question ("ticket.rate_request", with tk:rate buttons) is an outbox message, so
no flow claims the resident when it is sent, and a typed answer used to reach the question
matcher ("I don't know"). This handler runs before the question path (group -1) on private
texts that are a rating answer (services/tickets/typed_answers.py), or longer words saying
the problem is not solved (asked about before they count), and asks the service which
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
from handlers.people import Caller, identify
from handlers.replies import reply
from handlers.tickets.commands import score_keyboard
from services.errors import ServiceError
from services.tickets.typed_answers import rating_answer, sounds_like_a_question, sounds_unsolved

RATING_GROUP = -1


class _RatingWords(filters.UpdateFilter):
    """A new private text that is a short answer to "was it solved?", or longer words
    that say it is not."""

    def filter(self, update: Update) -> bool:
        message = update.message
        if message is None or not is_private_text(message):
            return False
        text = message.text or ""
        return rating_answer(text) is not None or sounds_unsolved(text)


def register(application: LinliApp) -> None:
    """Typed rating answers in private chats, after replies to ticket messages (group -1)."""
    application.add_handler(MessageHandler(_RatingWords(), on_typed_answer), RATING_GROUP)


async def on_typed_answer(update: Update, context: Context) -> None:
    """Take the answer when a rating is awaited; otherwise let the question path have it."""
    message = update.message
    text = message.text or "" if message else ""
    solved = rating_answer(text)
    in_words = solved is None and sounds_unsolved(text)
    if solved is None and not in_words:
        return
    caller = await identify(update, context)
    if caller is None:
        return
    waiting = await context.services.tickets.resident.awaiting_rating(caller.actor)
    if not waiting:
        return  # no rating question open: an ordinary question
    lang = caller.language
    if in_words:  # "still broken" in their own words: asked, not counted, before the score
        solved = False
    if len(waiting) == 1:
        number = waiting[0].number
        keyboard = score_keyboard(lang, number, solved)
        key = "rating.ask_score"
        if in_words and await _passed_on(context, caller, number, text):
            key = "rating.unsolved_in_words"
        elif in_words:
            key = "rating.unsolved_in_words_kept"
        await reply(update, t(lang, key, number=number), keyboard)
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
    if in_words and sounds_like_a_question(text):
        return  # it asks something too: the question path answers it as well
    raise ApplicationHandlerStop


async def _passed_on(context: Context, caller: Caller, number: str, text: str) -> bool:
    """The resident's own words about what is still wrong reach the staff at once, as a
    follow-up on the ticket (an exploratory run found them dropped: only the words typed
    after the score reached anyone). False when the service refuses them (too long,
    banned): the score and the question after it still follow."""
    try:
        await context.services.tickets.resident.followup(caller.actor, number, text)
    except ServiceError:
        return False
    return True
