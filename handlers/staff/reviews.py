"""Officials decide a review of a rejection (申请复核): ``/review <no> reopen [note]`` or
``/review <no> uphold <why>`` in their private chat or the staff chat. The request reaches
them as a private message with a button (sv:open, see supervision.py) to read the ticket."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.context import Context, LinliApp
from handlers.guards import stopping
from handlers.i18n import t
from handlers.people import identify
from handlers.replies import reply
from handlers.staff.commands import number_word_note
from services.access import WrongPlace
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.tickets.reviews import CannotReview, Decision

_DECISIONS = {
    "reopen": Decision.REOPENED, "重新受理": Decision.REOPENED, "重办": Decision.REOPENED,
    "uphold": Decision.UPHELD, "维持": Decision.UPHELD,
}  # fmt: skip


async def review_command(update: Update, context: Context) -> None:
    """/review <no> reopen|uphold [note]."""
    caller = await identify(update, context)
    if caller is None:
        return
    lang = caller.language
    parsed = number_word_note(update, _DECISIONS)
    if parsed is None:
        await reply(update, t(lang, "review.usage"))
        return
    number, decision, note = parsed
    try:
        view = await context.services.tickets.reviews.decide(caller.actor, number, decision, note)
    except WrongPlace:
        text = t(lang, "review.official_private")
    except PermissionDenied:
        text = t(lang, "review.only")
    except NotFound:
        text = t(lang, "supervise.not_found", number=number)
    except CannotReview as exc:
        text = t(lang, f"review.cannot.{exc.reason}", number=exc.number)
    except InvalidInput:
        text = t(lang, "review.need_note")
    else:
        text = t(lang, f"review.done.{decision.value}", number=view.number)
    await reply(update, text)


def register(application: LinliApp) -> None:
    """/review (any chat: the service says where)."""
    once = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("review", stopping(review_command), once), -1)
