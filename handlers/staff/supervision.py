"""Supervision (督办) for officials: /supervise <no> [note], /unsupervise <no>, and the
digest's buttons sv:open:<ticket id>.

The commands work in the official's private chat and in the staff chat; the service checks
the role (officials and admins) and the place, and every refusal is said in words.
"""

from __future__ import annotations

from collections.abc import Awaitable

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.context import Context, LinliApp
from handlers.guards import stopping
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.replies import reply
from handlers.staff.commands import arguments
from handlers.staff.common import desk_press, district_tz, parse_number, staff_names
from handlers.staff.render import status_name, ticket_text
from services.access import WrongPlace
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.tickets import StaffTicketView
from services.tickets.supervision import CannotSupervise

PATTERN = r"^sv:open:"


async def supervise_command(update: Update, context: Context) -> None:
    """/supervise <no> [note]."""
    await _flag(update, context, on=True)


async def unsupervise_command(update: Update, context: Context) -> None:
    """/unsupervise <no>."""
    await _flag(update, context, on=False)


async def _flag(update: Update, context: Context, *, on: bool) -> None:
    caller = await identify(update, context)
    if caller is None:
        return
    language = caller.language
    words = arguments(update).split(maxsplit=1)
    number = parse_number(words[0]) if words else None
    usage = "supervise.usage" if on else "unsupervise.usage"
    if number is None or (not on and len(words) > 1):
        await reply(update, t(language, usage))
        return
    supervision = context.services.tickets.supervision
    note = words[1] if len(words) > 1 else None
    call = supervision.supervise(caller.actor, number, note) if on else (
        supervision.unsupervise(caller.actor, number)
    )  # fmt: skip
    outcome = await _attempt(caller, number, call)
    if isinstance(outcome, str):
        await reply(update, outcome)
        return
    done = "supervise.done" if on else "unsupervise.done"
    await reply(update, t(language, done, number=outcome.number))


async def on_open_button(update: Update, context: Context) -> None:
    """sv:open:<ticket id> under the daily digest: the ticket and its trail."""
    press = await desk_press(update, context)
    if press is None:
        return
    caller, ticket_id = press.caller, press.ticket_id
    await press.query.answer()
    if ticket_id is None:
        await reply(update, t(caller.language, "stale_button"))
        return
    call = context.services.tickets.supervision.open_ticket(caller.actor, ticket_id)
    outcome = await _attempt(caller, str(ticket_id), call)
    if isinstance(outcome, str):
        await reply(update, outcome)
        return
    names = await staff_names(context)
    await reply(update, ticket_text(caller.language, outcome, names, district_tz(context)))


async def _attempt(
    caller: Caller, number: str, call: Awaitable[StaffTicketView]
) -> StaffTicketView | str:
    """The service's answer, or its refusal in the caller's words."""
    language = caller.language
    try:
        return await call
    except WrongPlace:
        return t(language, "supervise.use_private")
    except PermissionDenied:
        return t(language, "supervise.only")
    except NotFound:
        return t(language, "supervise.not_found", number=number)
    except CannotSupervise as exc:
        status = status_name(language, exc.status)
        return t(language, f"supervise.{exc.reason}", number=exc.number, status=status)
    except InvalidInput:
        return t(language, "supervise.bad_note")


def register(application: LinliApp) -> None:
    """/supervise and /unsupervise (any chat: the service says where) and the digest's
    buttons."""
    once = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("supervise", stopping(supervise_command), once), -1)
    application.add_handler(CommandHandler("unsupervise", stopping(unsupervise_command), once), -1)
    application.add_handler(CallbackQueryHandler(stopping(on_open_button), pattern=PATTERN), -1)
