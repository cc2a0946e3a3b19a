"""What the staff desk's buttons, commands and messages share: where, who, and refusals.

Every staff action goes to the ticket service with the caller's Telegram id; the service
checks the role and the lifecycle. Its refusals come back here as one short sentence for
a button answer or a reply, so none of them reaches the error handler.
"""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import suppress
from dataclasses import dataclass
from datetime import tzinfo
from typing import TypeVar

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import filters

from handlers.callbacks import Callback, decode, int_arg
from handlers.context import Context
from handlers.i18n import t
from handlers.people import Caller, identify
from services.access import WrongPlace
from services.district import current
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.residents.service import STAFF_ROLES
from services.tickets import InvalidTransition, StaffTicketView
from services.tickets.desk import (
    AlreadyTaken,
    CannotMerge,
    EnquiryUnanswered,
    NotStaff,
    StaleRoster,
)
from services.tickets.units import CannotTransfer, OtherUnit, unit_names
from services.tickets.validation import MAX_MESSAGE, ThinReason, ticket_number

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Refused:
    """A service refusal, already said in words."""

    text: str
    retype: bool = False
    """The typed text was what was refused (a reason too thin to send): typing it again may
    do, so a prompt that asked for it stays open."""


def in_staff_chat(update: Update, context: Context) -> bool:
    """Whether the update comes from the desk: the central staff chat or a unit's chat (the
    services check it again; this is for the friendly answer)."""
    chat = update.effective_chat
    return chat is not None and is_desk_chat(chat.id, context.staff_chat_id)


def is_desk_chat(chat_id: int, central: int | None) -> bool:
    return chat_id == central or chat_id in current.unit_chats()


class DeskChats(filters.MessageFilter):
    """Messages in the central staff chat or in a unit's chat. The district's configuration
    is followed live, so the units' chats are looked up on every message, not fixed at start."""

    def __init__(self, central: int) -> None:
        super().__init__(name="DeskChats")
        self._central = central

    def filter(self, message: Message) -> bool:
        return is_desk_chat(message.chat.id, self._central)


def staff_language(context: Context) -> str:
    """Everything in the staff chat is read by the whole team: one language for all."""
    return context.services.tickets.settings.staff_language


def district_tz(context: Context) -> tzinfo:
    return context.services.tickets.timezone


def is_staff(caller: Caller) -> bool:
    """The role as registered; the service checks it again on every action."""
    return caller.resident.role in STAFF_ROLES


def parse_number(token: str | None) -> str | None:
    """ "2611-0042", "#2611-0042", "26110042" or full-width → "2611-0042"; None otherwise."""
    return ticket_number(token) if token else None


def too_long(language: str, text: str) -> Refused | None:
    if len(text.strip()) > MAX_MESSAGE:
        return Refused(t(language, "staff.too_long", limit=MAX_MESSAGE))
    return None


async def attempt(language: str, number: str, action: str, call: Awaitable[T]) -> T | Refused:
    """Await a ticket-service call; a refusal becomes a Refused with the reason in words."""
    try:
        return await call
    except WrongPlace:
        return Refused(t(language, "staff.use_staff_chat"))
    except OtherUnit as exc:
        return Refused(t(language, "staff.other_unit", number=exc.number, unit=exc.unit))
    except StaleRoster:
        return Refused(t(language, "stale_button"))
    except PermissionDenied:
        return Refused(t(language, "staff.only"))
    except AlreadyTaken as exc:  # who has it, as the card names them
        name = exc.name or t(language, "staff.unnamed", id=exc.assignee)
        return Refused(t(language, "staff.already_taken", number=exc.number, name=name))
    except InvalidTransition as exc:
        status = t(language, f"staff.status.{exc.status}")
        verb = t(language, f"staff.action.{action}")
        said = t(
            language, "staff.invalid_transition", number=exc.number, status=status, action=verb
        )
        if exc.status == "new" and action == "resolve":  # the step they missed, named
            said += t(language, "staff.accept_first", number=exc.number)
        return Refused(said)
    except NotFound as exc:  # the number named in the refusal: /merge names two
        return Refused(t(language, "staff.not_found", number=exc.number or number))
    except NotStaff as exc:
        return Refused(t(language, "staff.not_staff", telegram_id=exc.telegram_id))
    except EnquiryUnanswered as exc:
        return Refused(t(language, "staff.enquiry_unanswered", number=exc.number))
    except CannotMerge as exc:
        if exc.itself:
            return Refused(t(language, "staff.merge_itself", number=exc.number))
        status = t(language, f"staff.status.{exc.status}")
        return Refused(t(language, "staff.merge_closed", number=exc.number, status=status))
    except CannotTransfer as exc:
        key = "staff.transfer.same_unit" if exc.same else "staff.transfer.unknown_unit"
        units = "、".join(unit_names()) or t(language, "staff.transfer.no_units")
        return Refused(t(language, key, unit=exc.unit, units=units))
    except ThinReason:
        return Refused(t(language, "staff.thin_reason", number=number), retype=True)
    except InvalidInput as exc:
        return Refused(t(language, "staff.invalid_input", detail=str(exc)), retype=True)


async def staff_names(context: Context) -> dict[int, str]:
    """Telegram id → name of everyone with a staff role (shown to staff only)."""
    people = await context.services.residents.list_staff()
    return {p.telegram_id: p.display_name or unnamed(context, p.telegram_id) for p in people}


async def assignee_name(context: Context, view: StaffTicketView) -> str | None:
    if view.assignee_telegram_id is None:
        return None
    person = await context.services.residents.get(view.assignee_telegram_id)
    if person is None or not person.display_name:
        return unnamed(context, view.assignee_telegram_id)
    return person.display_name


def unnamed(context: Context, telegram_id: int) -> str:
    """A staff member linli knows no name of yet (added by id, never wrote): never a bare
    number on a card, but their id, as the assign list shows them; `linli staff add ID
    --name …` or their first message names them."""
    return t(staff_language(context), "staff.unnamed", id=telegram_id)


@dataclass(frozen=True, slots=True)
class DeskPress:
    """A press on one of the desk's buttons: who pressed, what it carried, its ticket id."""

    query: CallbackQuery
    caller: Caller
    callback: Callback | None  # None: data linli did not make
    ticket_id: int | None  # the id after the action ("tk:accept:<id>"); None: not an id


async def desk_press(update: Update, context: Context) -> DeskPress | None:
    """The press read once for every desk button (cards, the callback list, the digest); None
    for an update that is no press by a person."""
    query = update.callback_query
    caller = await identify(update, context)
    if query is None or caller is None:
        return None
    cb = decode(query.data)
    return DeskPress(query, caller, cb, int_arg(cb, 1) if cb else None)


async def drop_buttons(context: Context, chat_id: int, message_id: int) -> None:
    """Take the buttons off a message of linli's (a prompt that is answered)."""
    with suppress(BadRequest):  # too old, or without buttons already: nothing to take away
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
