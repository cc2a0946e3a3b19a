"""Outbox messages of the ticket desk, written in the transaction of the change.

Keys are catalog keys (handlers/catalogs/*.yaml), rendered in the recipient's language by the
delivery worker. Idempotency keys are "ticket:<id>:event:<event id>:<recipient>", so the
same event can never notify the same person twice. Callback data are ASCII and short
("tk:<action>:<ticket id>") to stay well under Telegram's 64-byte limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.reports.scrub import mask_phone_numbers
from services.tickets import lifecycle
from services.tickets.lifecycle import Action
from services.tickets.settings import TicketSettings
from services.tickets.units import desk_place
from services.tickets.views import mask_phone, resident_label
from storage.models import Resident, Ticket, TicketEvent, TicketStatus
from storage.repositories import tickets as repo
from storage.repositories.outbox import add_message

Buttons = list[list[dict[str, str]]]


_CARD_LAYOUT = (("accept", "reply"), ("resolve", "reject"), ("assign",))


def _card_actions(status: TicketStatus) -> tuple[tuple[str, ...], ...]:
    rows = (tuple(a for a in row if lifecycle.allows(Action(a), status)) for row in _CARD_LAYOUT)
    return tuple(row for row in rows if row)


# The staff card's buttons that make sense in each status (rows as on the card): the ones
# the lifecycle allows, so a card never offers what a press would refuse (a new ticket is
# accepted before it can be resolved). The Telegram layer redraws a card from the same
# table after each change.
CARD_ACTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    status.value: actions for status in TicketStatus if (actions := _card_actions(status))
}


def staff_buttons(ticket_id: int, status: str) -> Buttons:
    """The staff card's actions in ``status``; data "tk:<action>:<ticket id>"."""
    return [
        [{"key": f"button.ticket.{action}", "data": f"tk:{action}:{ticket_id}"} for action in row]
        for row in CARD_ACTIONS.get(status, ())
    ]


def rate_buttons(ticket_id: int) -> Buttons:
    """Solved / not solved, asked after a ticket is resolved; data "tk:rate:<id>:y|n"."""
    return [
        [
            {"key": "button.ticket.solved", "data": f"tk:rate:{ticket_id}:y"},
            {"key": "button.ticket.not_solved", "data": f"tk:rate:{ticket_id}:n"},
        ]
    ]


def review_buttons(ticket_id: int) -> Buttons:
    """ "Ask for a review" under a rejection (申请复核); data "rv:ask:<id>"."""
    return [[{"key": "button.ticket.review", "data": f"rv:ask:{ticket_id}"}]]


@dataclass(frozen=True, slots=True)
class _Recipient:
    chat_id: int
    telegram_id: int | None
    language: str
    tag: str  # in the idempotency key: "tg<telegram id>" or "staff"
    thread_id: int | None = None


async def _queue(
    session: AsyncSession,
    ticket: Ticket,
    event: TicketEvent,
    to: _Recipient,
    message_key: str,
    params: dict[str, Any],
    buttons: Buttons | None = None,
    photos: list[str] | None = None,
) -> None:
    # One message per event and recipient, however often the change is retried.
    await add_message(
        session,
        chat_id=to.chat_id,
        telegram_id=to.telegram_id,
        language=to.language,
        message_key=message_key,
        params=params,
        idempotency_key=f"ticket:{ticket.id}:event:{event.id}:{to.tag}",
        now=event.at,
        buttons=buttons,
        photos=photos or None,
        thread_id=to.thread_id,
        ticket_id=ticket.id,
    )


async def to_person(
    session: AsyncSession,
    ticket: Ticket,
    event: TicketEvent,
    person: Resident,
    settings: TicketSettings,
    message_key: str,
    params: dict[str, Any],
    buttons: Buttons | None = None,
    photos: list[str] | None = None,
) -> None:
    """Queue a message to one person's private chat (skipped once they blocked linli)."""
    if not person.active:
        return
    language = person.language or settings.default_language
    to = _Recipient(person.chat_id, person.telegram_id, language, f"tg{person.telegram_id}")
    await _queue(session, ticket, event, to, message_key, params, buttons, photos)


async def to_resident_and_followers(
    session: AsyncSession,
    ticket: Ticket,
    event: TicketEvent,
    settings: TicketSettings,
    message_key: str,
    params: dict[str, Any],
    *,
    owner_key: str | None = None,
    owner_buttons: Buttons | None = None,
    followers: tuple[str, dict[str, Any]] | None = None,
) -> None:
    """Tell the filer (with ``owner_key``/``owner_buttons`` if given) and, with
    ``followers`` (a message key and its parameters), everyone following the ticket: what
    followers hear is given apart, so that nothing written to the filer reaches them."""
    owner = await session.get(Resident, ticket.resident_id)
    if owner is not None:
        key, owner_params, buttons = owner_key or message_key, params, owner_buttons
        if recorded_for_someone(ticket):  # the recorder passes it on, without the buttons
            key, owner_params, buttons = PASS_ON, pass_on_params(ticket, key, params), None
        await to_person(session, ticket, event, owner, settings, key, owner_params, buttons)
    if followers is None:
        return
    follower_key, follower_params = followers
    for follower in await repo.list_followers(session, ticket.id):
        await to_person(session, ticket, event, follower, settings, follower_key, follower_params)


FOLLOWED_STATUS_CHANGED = "ticket.followed_status_changed"
"""A status change as a follower hears it: theirs to watch, not to confirm nor rate."""


def follower_news(ticket: Ticket) -> tuple[str, dict[str, Any]]:
    """What followers hear of a status change: the new status only, never the words staff
    wrote to the filer, and in a wording of their own (only the filer confirms a ticket)."""
    return FOLLOWED_STATUS_CHANGED, {"number": ticket.number, "status": ticket.status}


PASS_ON = "ticket.pass_on"
"""The message to the staff member who recorded a ticket for a resident outside Telegram."""


def recorded_for_someone(ticket: Ticket) -> bool:
    """Recorded by staff for a resident outside Telegram (代录): its owner is the recorder."""
    return (ticket.channel or "telegram") != "telegram"


def pass_on_params(ticket: Ticket, update_key: str, update: dict[str, Any]) -> dict[str, Any]:
    """Parameters of PASS_ON: who to tell (name, phone in full: the recorder calls them) and
    the update itself as the resident would have read it (``update_key`` with ``update``),
    without its buttons: a rating comes through the callback (回访) instead."""
    return {
        "number": ticket.number,
        "name": ticket.on_behalf_name or "",
        "phone": ticket.phone or "",
        "channel": ticket.channel,
        "update_key": update_key,
        "update": dict(update),
    }


async def to_staff_chat(
    session: AsyncSession,
    ticket: Ticket,
    event: TicketEvent,
    settings: TicketSettings,
    message_key: str,
    params: dict[str, Any],
    *,
    buttons: Buttons | None = None,
    photos: list[str] | None = None,
    place: tuple[int | None, int | None] | None = None,
    second: bool = False,
) -> None:
    """Queue a message where staff work on the ticket: the chat (and topic) of the unit that
    holds it, else the central staff chat in the ticket's forum topic when it has one;
    ``place`` names another (chat, topic), such as the one a transferred ticket left;
    ``second`` marks a second message for the same event and chat (one event, one message
    per chat is what the idempotency key otherwise keeps)."""
    chat_id, thread_id = place or desk_place(ticket, settings.staff_chat_id)
    if chat_id is None:
        return
    tag = "staff" if chat_id == settings.staff_chat_id else f"unit{chat_id}"
    tag += ":2" if second else ""
    chat = _Recipient(chat_id, None, settings.staff_language, tag, thread_id)
    await _queue(session, ticket, event, chat, message_key, params, buttons, photos)


def card_params(ticket: Ticket, filer: Resident) -> dict[str, Any]:
    """Parameters of the "staff.card" message (anonymity respected, phone masked)."""
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "category": ticket.category,
        "description": mask_phone_numbers(ticket.description),
        "location": ticket.location_text or "",
        "latitude": ticket.latitude,
        "longitude": ticket.longitude,
        "resident": resident_label(filer, ticket.anonymous) or "",
        "anonymous": ticket.anonymous,
        "phone": mask_phone(ticket.phone) or "",
        "channel": ticket.channel or "telegram",
        "on_behalf_name": ticket.on_behalf_name or "",
        "photo_count": len(ticket.photos),
        "created_at": ticket.created_at.isoformat(),
        "response_due_at": ticket.response_due_at.isoformat(),
        "resolution_due_at": ticket.resolution_due_at.isoformat(),
    }
