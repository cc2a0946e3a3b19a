"""The resident's tickets after filing: /mytickets, /ticket, follow-ups, and the rating.

Follow-ups: ``/followup <no> <text>``, or a reply to any linli message that names a ticket
number. Rating (after "resolved"): ``tk:rate:<ticket id>:y|n`` comes from the outbox message
"ticket.rate_request"; then ``tk:score:<number>:<y|n>:<1-5>`` and an optional comment (the
next text, or ``tk:nocomment:<number>:<y|n>:<score>``). The buttons carry everything the
rating needs; the typed comment is owed through handlers/awaiting.py (``Rating``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.awaiting import INPUT_GROUP, claim, release
from handlers.callbacks import encode, parse_id
from handlers.context import Context, LinliApp
from handlers.filing.render import (
    find_number,
    is_number,
    numbers_in,
    ticket_detail,
    ticket_line,
)
from handlers.guards import pressed
from handlers.i18n import t
from handlers.message_filters import is_private_text
from handlers.people import Caller, identify
from handlers.questions.answers import tell_banned
from handlers.replies import reply
from services import InvalidInput, NotFound
from services.residents.awaiting import AwaitingView, Owed
from services.residents.limits import Banned
from services.residents.service import STAFF_ROLES
from services.tickets import InvalidTransition
from services.tickets.resident import FollowedNotFiled
from services.tickets.validation import ticket_number


class _RepliesToTicket(filters.MessageFilter):
    """A resident's typed reply to one of linli's messages that names a ticket number."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or not is_private_text(message):
            return False
        if replied.from_user is None or not replied.from_user.is_bot:
            return False
        return find_number(replied.text or replied.caption) is not None


def register(application: LinliApp) -> None:
    """/mytickets, /ticket, /followup (private chats), replies, and the rating buttons."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("mytickets", mytickets_command, filters=private))
    application.add_handler(CommandHandler("ticket", ticket_command, filters=private))
    application.add_handler(CommandHandler("followup", followup_command, filters=private))
    application.add_handler(
        CallbackQueryHandler(on_rating_button, pattern=r"^tk:(rate|score|nocomment):")
    )
    application.add_handler(MessageHandler(_RepliesToTicket(), on_reply), group=-1)
    # Another command means the resident moved on: the optional words after a rating are
    # no longer awaited, so their next question is answered, not taken as a comment.
    # (/cancel says so itself; the router, alone in its group for typed text, takes no
    # commands.)
    moved_on = private & filters.COMMAND & ~filters.Regex(r"^/cancel(@\w+)?(\s|$)")
    application.add_handler(MessageHandler(moved_on, _moved_on), group=INPUT_GROUP)


async def _moved_on(update: Update, context: Context) -> None:
    if update.effective_user is not None:
        await release(context, update.effective_user.id, Owed.RATING_COMMENT)


async def mytickets_command(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    if caller is None:
        return
    resident = context.services.tickets.resident
    mine = await resident.list_my_tickets(caller.actor)
    followed = await resident.list_followed_tickets(caller.actor)
    lang = caller.language
    if not mine and not followed:
        await reply(update, t(lang, "mytickets.empty"))
        return
    lines: list[str] = []
    for title, listed in (("mytickets.title", mine), ("mytickets.followed_title", followed)):
        # Followed: a "me too", or merged into another; its progress, no one's words.
        if listed:
            lines += [*([""] if lines else []), t(lang, title)]
            lines += [ticket_line(lang, ticket) for ticket in listed]
    # The example is one of their own numbers, the first listed.
    example = (mine or followed)[0].number
    await reply(update, "\n".join([*lines, "", t(lang, "mytickets.hint", number=example)]))


async def ticket_command(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    if caller is None:
        return
    args, lang = context.args or [], caller.language
    if not args:
        await reply(update, t(lang, "ticket.usage"))
        return
    tickets = context.services.tickets
    try:
        number = ticket_number(args[0])
        if number is None:
            raise NotFound(args[0])
        ticket = await tickets.resident.get_ticket_for_resident(caller.actor, number)
    except NotFound:
        # Here, in private, only one's own tickets are shown; staff, officials and admins
        # see any ticket at the desk, and are told so rather than that it does not exist.
        key = "ticket.not_found_desk" if caller.resident.role in STAFF_ROLES else "ticket.not_found"
        await reply(update, t(lang, key, number=args[0][:20]))
        return
    await reply(update, ticket_detail(lang, ticket, tickets.timezone))


async def followup_command(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    message = update.message
    if caller is None or message is None or message.text is None:
        return
    parts = message.text.split(maxsplit=2)
    if len(parts) < 3:
        await reply(update, t(caller.language, "followup.usage"))
        return
    await _followup(update, context, caller, parts[1], parts[2])


async def on_reply(update: Update, context: Context) -> None:
    """A reply to linli's ticket message adds to that ticket."""
    caller = await identify(update, context)
    message = update.message
    if caller is None or message is None or message.reply_to_message is None:
        return
    replied = message.reply_to_message
    numbers = numbers_in(replied.text or replied.caption)
    if len(numbers) == 1:
        await _followup(update, context, caller, numbers[0], message.text or "")
    else:  # e.g. a reply to /mytickets: which ticket is meant is anybody's guess
        await reply(update, t(caller.language, "followup.which"))
    raise ApplicationHandlerStop


async def _followup(
    update: Update, context: Context, caller: Caller, number: str, text: str
) -> None:
    lang = caller.language
    try:
        number = ticket_number(number) or number
        if not is_number(number):
            raise NotFound(number)
        await context.services.tickets.resident.followup(caller.actor, number, text)
    except FollowedNotFiled:
        await reply(update, t(lang, "followup.followed_only", number=number))
    except NotFound:
        await reply(update, t(lang, "ticket.not_found", number=number[:20]))
    except InvalidTransition:
        await reply(update, t(lang, "followup.closed", number=number))
    except InvalidInput:
        await reply(update, t(lang, "followup.bad_text"))
    except Banned as refusal:
        await tell_banned(update, context, lang, refusal)
    else:
        await reply(update, t(lang, "followup.sent", number=number))


async def _edit_pressed(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Show ``text`` on the pressed message (a quick double press may find it already so)."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        with contextlib.suppress(BadRequest):
            await query.message.edit_text(text, reply_markup=keyboard)


def _rating_button(
    label: str, kind: str, number: str, solved: str, *more: object
) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode("tk", kind, number, solved, *more))


def score_keyboard(lang: str, number: str, solved: bool) -> InlineKeyboardMarkup:
    """The 1–5 buttons asked after solved / not solved (pressed, or typed: typed_rating.py)."""
    answer = "y" if solved else "n"
    return InlineKeyboardMarkup(
        [
            [
                _rating_button(t(lang, "rating.score_button", score=s), "score", number, answer, s)
                for s in range(1, 6)
            ]
        ]
    )


async def on_rating_button(update: Update, context: Context) -> None:
    press = await pressed(update, context)
    if press is None:
        return
    cb, caller = press.callback, press.caller
    if len(cb.args) < 3 or cb.args[2] not in ("y", "n"):
        return
    kind, key, solved = cb.args[0], cb.args[1], cb.args[2]
    tickets, uid, lang = context.services.tickets, caller.resident.telegram_id, caller.language
    score = int(cb.args[3]) if len(cb.args) > 3 and cb.args[3] in ("1", "2", "3", "4", "5") else 0
    if kind == "nocomment":  # the rating is in already: nothing more to say
        await release(context, uid, Owed.RATING_COMMENT)
        await _edit_pressed(update, t(lang, "rating.recorded", score=score))
        return
    try:
        if kind == "rate":
            ticket = await tickets.resident.get_own_ticket_by_id(caller.actor, parse_id(key) or -1)
        else:
            ticket = await tickets.resident.get_ticket_for_resident(caller.actor, key)
    except NotFound:
        await reply(update, t(lang, "stale_button"))
        return
    if ticket.status != "resolved" or not ticket.is_owner:
        await reply(update, t(lang, "rating.already", number=ticket.number))
        return
    if kind == "rate":
        keyboard = score_keyboard(lang, ticket.number, solved == "y")
        await _edit_pressed(update, t(lang, "rating.ask_score", number=ticket.number), keyboard)
    elif kind == "score" and score:
        # The rating counts at once (closed, or reopened and staff told); words are optional
        # and come after, so a resident who walks away loses nothing.
        rating = Rating(ticket.number, solved == "y", score)
        if not await _rate(update, context, caller, rating):
            return
        await claim(update, context, caller, Owed.RATING_COMMENT, rating.reference())
        skip = _rating_button(
            t(lang, "rating.skip_comment"), "nocomment", ticket.number, solved, score
        )
        key = "rating.ask_comment" if solved == "y" else "rating.ask_what_is_wrong"
        await _edit_pressed(update, t(lang, key, score=score), InlineKeyboardMarkup([[skip]]))


@dataclass(frozen=True, slots=True)
class Rating:
    """A rating waiting for its optional comment."""

    number: str
    solved: bool
    score: int

    def reference(self) -> str:
        """What the resident owes, as handlers/awaiting.py keeps it: "2611-0042:y:4"."""
        return f"{self.number}:{'y' if self.solved else 'n'}:{self.score}"

    @classmethod
    def owed(cls, reference: str) -> Rating | None:
        number, solved, score = ([*reference.split(":"), "", ""])[:3]
        if solved not in ("y", "n") or score not in ("1", "2", "3", "4", "5"):
            return None
        return cls(number, solved == "y", int(score))


async def on_comment(update: Update, context: Context, owed: AwaitingView) -> bool:
    """The optional words after a rating (the next text after choosing a score)."""
    message = update.message
    rating = Rating.owed(owed.reference)
    if message is None or rating is None:
        return False
    caller = await identify(update, context)
    if caller is None:
        return False
    lang, uid = caller.language, caller.resident.telegram_id
    if not message.text:
        await reply(update, t(lang, "rating.comment_text_only"))
        return True
    try:
        await context.services.tickets.resident.comment_on_rating(
            caller.actor, rating.number, message.text
        )
    except InvalidInput:  # too long: still owed, let them try again
        await reply(update, t(lang, "rating.comment_too_long"))
        return True
    except NotFound:
        await release(context, uid, Owed.RATING_COMMENT)
        return False  # said already, or the record is gone: an ordinary message
    await release(context, uid, Owed.RATING_COMMENT)
    key = "rating.comment_thanks" if rating.solved else "rating.comment_to_staff"
    await reply(update, t(lang, key, number=rating.number))
    return True


async def cancel_comment(
    update: Update, context: Context, caller: Caller, owed: AwaitingView
) -> bool:
    """/cancel instead of the words after a rating: the rating stands."""
    await release(context, caller.resident.telegram_id, Owed.RATING_COMMENT)
    await reply(update, t(caller.language, "rating.comment_cancelled"))
    return True


async def _rate(update: Update, context: Context, caller: Caller, rating: Rating) -> bool:
    """Record the rating; False (and the resident told why) when it cannot be."""
    lang = caller.language
    try:
        await context.services.tickets.resident.rate(
            caller.actor, rating.number, rating.solved, rating.score
        )
    except InvalidTransition:
        await reply(update, t(lang, "rating.already", number=rating.number))
        return False
    except NotFound:
        await reply(update, t(lang, "stale_button"))
        return False
    key = "rating.thanks" if rating.solved else "rating.reopened"
    await reply(update, t(lang, key, number=rating.number))
    return True
