"""Extensions and pauses of a ticket's resolution clock, in Telegram.

In the staff chat (inside a ticket's forum topic the number may be left out):
``/extend <no> <new due> <reason>`` asks the officials for more time (the reason is what the
resident reads once approved), ``/pause <no> <what we need from the resident>`` stops the
clock while staff wait for the resident, ``/resume <no>`` runs it again. Officials decide an
extension with the buttons linli sends them privately: ext:<y|n>:<request id>.

Parse → one service call → one reply; the services check role, place and the rules, and
their refusals become one sentence here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import tzinfo
from typing import TypeVar

from telegram import Message, Update
from telegram.error import BadRequest

from handlers.callbacks import decode, int_arg
from handlers.context import Context
from handlers.i18n import t
from handlers.people import identify
from handlers.render import a_week_ahead, day, when
from handlers.replies import reply
from handlers.staff.commands import read_ticket_command
from handlers.staff.common import Refused, attempt, district_tz, too_long
from handlers.staff.render import status_name
from services.access import WrongPlace
from services.errors import NotFound, PermissionDenied
from services.tickets import InvalidTransition
from services.tickets.due_input import BadDueTime, TooFar
from services.tickets.extensions import (
    DueNotLater,
    ExtensionDecided,
    ExtensionPending,
    ExtensionView,
    NoOneToDecide,
    NotAWorkingDay,
    OwnRequest,
)
from services.tickets.pauses import AlreadyPaused, NotPaused

T = TypeVar("T")
log = logging.getLogger("linli.staff")
PATTERN = r"^ext:"


def _due_examples(context: Context) -> dict[str, str]:
    """The due times the usage shows, a week ahead at 18:00, in both ways one may write them."""
    day = a_week_ahead(context.services.delivery.clock(), district_tz(context))
    return {"example_md": f"{day.month}月{day.day}日 18:00", "example_iso": f"{day:%Y-%m-%d} 18:00"}


async def extend_command(update: Update, context: Context) -> None:
    """/extend <no> <new due> <reason>: ask the officials for more time."""
    examples = _due_examples(context)
    command = await read_ticket_command(update, context, "extend", "required", **examples)
    if command is None:
        return
    language, number = command.language, command.number
    extensions = context.services.tickets.extensions
    try:
        due, reason = extensions.parse_due(command.text)
    except BadDueTime:  # a number and more text: the time is what is wrong
        await reply(update, t(language, "staff.extend.bad_due", **examples))
        return
    except TooFar as exc:  # "+999": understood, but more than an extension may be
        await reply(update, t(language, "staff.extend.too_far", number=number, limit=exc.limit))
        return
    if not reason:
        await reply(update, t(language, "staff.usage.extend", **examples))
        return
    call = extensions.request(command.caller.actor, number, due, reason)
    outcome = await _attempt(language, number, "extend", call, update, context)
    if not isinstance(outcome, Refused):
        tz = district_tz(context)
        old = when(language, outcome.from_due_at, tz)
        new = when(language, outcome.to_due_at, tz, since=outcome.from_due_at)
        done = t(language, "staff.done.extend", number=outcome.number, count=outcome.asked,
                 old=old, new=new)  # fmt: skip
        year = outcome.to_due_at.astimezone(tz).year
        if not context.services.calendar.coverage(year).covered:
            # Accepted as Monday-Friday counts it: the one asking should know it may move.
            done += "\n" + t(language, "staff.extend.year_unknown", year=year)
        await reply(update, done)


async def pause_command(update: Update, context: Context) -> None:
    """/pause <no> <what we need from the resident>: stop the clock, tell the resident."""
    command = await read_ticket_command(update, context, "pause", "required")
    if command is None:
        return
    language, number, need = command.language, command.number, command.text
    refused = too_long(language, need)
    if refused is not None:
        await reply(update, refused.text)
        return
    call = context.services.tickets.pauses.pause(command.caller.actor, number, need)
    outcome = await _attempt(language, number, "pause", call, update, context)
    if not isinstance(outcome, Refused):
        await reply(update, t(language, "staff.done.pause", number=outcome.number))


async def resume_command(update: Update, context: Context) -> None:
    """/resume <no>: run the clock again; the due time moves by the working time paused."""
    command = await read_ticket_command(update, context, "resume", "none")
    if command is None:
        return
    language, number = command.language, command.number
    call = context.services.tickets.pauses.resume(command.caller.actor, number)
    outcome = await _attempt(language, number, "resume", call, update, context)
    if not isinstance(outcome, Refused):
        due = when(language, outcome.resolution_due_at, district_tz(context))
        await reply(update, t(language, "staff.done.resume", number=outcome.number, due=due))


async def _attempt(
    language: str, number: str, action: str, call: Awaitable[T], update: Update, context: Context
) -> T | Refused:
    """The service call; a refusal is replied in words and returned as Refused."""
    outcome = await attempt(language, number, action, _said(language, call, district_tz(context)))
    if isinstance(outcome, Refused):
        await reply(update, outcome.text)
    return outcome


async def _said(language: str, call: Awaitable[T], tz: tzinfo) -> T | Refused:
    """The refusals of extensions and pauses in words; the desk's own (role, place, unknown
    number, status) are left to ``attempt``."""
    try:
        return await call
    except DueNotLater as exc:
        key = "staff.extend.past" if exc.past else "staff.extend.not_later"
        return Refused(t(language, key, number=exc.number, due=when(language, exc.current, tz)))
    except TooFar as exc:
        return Refused(t(language, "staff.extend.too_far", number=exc.number, limit=exc.limit))
    except NotAWorkingDay as exc:
        asked, instead = day(language, exc.asked, tz), when(language, exc.instead, tz)
        text = t(
            language, "staff.extend.not_workday", number=exc.number, day=asked, instead=instead
        )
        return Refused(text)
    except ExtensionPending as exc:
        return Refused(t(language, "staff.extend.pending", number=exc.number))
    except NoOneToDecide:
        return Refused(t(language, "staff.extend.no_official"))
    except AlreadyPaused as exc:
        return Refused(t(language, "staff.pause.already", number=exc.number))
    except NotPaused as exc:
        return Refused(t(language, "staff.pause.not_paused", number=exc.number))


async def on_decision(update: Update, context: Context) -> None:
    """ext:<y|n>:<request id>, pressed by an official under a request sent to them."""
    query = update.callback_query
    caller = await identify(update, context)
    if query is None or caller is None:
        return
    language = caller.language
    cb = decode(query.data)
    request_id = int_arg(cb, 1) if cb else None
    if cb is None or request_id is None or cb.args[0] not in ("y", "n"):
        await query.answer(t(language, "stale_button"), show_alert=True)
        return
    approve = cb.args[0] == "y"
    call = context.services.tickets.extensions.decide(caller.actor, request_id, approve)
    view = await _decided(language, call)
    if isinstance(view, Refused):
        await query.answer(view.text, show_alert=True)
        return
    due = when(language, view.to_due_at, district_tz(context), since=view.from_due_at)
    key = "extension.approved_done" if approve else "extension.refused_done"
    done = t(language, key, number=view.number, due=due)
    await query.answer(done)
    if isinstance(query.message, Message) and query.message.text:
        try:  # the buttons go: the request is decided
            await query.message.edit_text(f"{query.message.text}\n\n{done}", reply_markup=None)
        except BadRequest as exc:  # too old to edit: the answer already said it
            log.debug("could not update message %s: %s", query.message.message_id, exc.message)


async def _decided(language: str, call: Awaitable[ExtensionView]) -> ExtensionView | Refused:
    """The decision, or why it was not taken, in the official's words."""
    try:
        return await call
    except WrongPlace:
        return Refused(t(language, "extension.private"))
    except OwnRequest:
        return Refused(t(language, "extension.own_request"))
    except PermissionDenied:
        return Refused(t(language, "extension.only_officials"))
    except ExtensionDecided as exc:
        status = t(language, f"extension.status.{exc.status}")
        return Refused(t(language, "extension.decided", number=exc.number, status=status))
    except InvalidTransition as exc:
        status = status_name(language, exc.status)
        return Refused(t(language, "extension.closed", number=exc.number, status=status))
    except NotFound:  # not a request linli made
        return Refused(t(language, "stale_button"))


CLOCK_COMMANDS = {"extend": extend_command, "pause": pause_command, "resume": resume_command}
"""The staff chat's commands of this module, by name (registered by staff/desk.py)."""
