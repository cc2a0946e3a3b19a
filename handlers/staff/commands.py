"""Staff commands in the staff chat: /reply /note /resolve /reject /accept /assign /merge
/queue /mine /ticket.

Each is parse → one service call → one reply. A person without a staff role gets "only
staff" wherever they type it; staff outside the staff chat are sent there. Inside a
ticket's forum topic the number may be left out: the topic names the ticket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from telegram import Update

from handlers.callbacks import parse_id
from handlers.context import Context
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.replies import reply
from handlers.staff.common import (
    Refused,
    assignee_name,
    attempt,
    district_tz,
    in_staff_chat,
    is_staff,
    parse_number,
    staff_language,
    staff_names,
    too_long,
)
from handlers.staff.render import queue_text, ticket_text
from handlers.staff.summary import with_summary_hint
from services.access import Actor
from services.errors import ServiceError
from services.tickets import StaffDesk, StaffTicketView


async def gate(update: Update, context: Context) -> tuple[Caller, str] | None:
    """The caller and the staff language, or None after telling them why not."""
    caller = await identify(update, context)
    if caller is None:
        return None
    if not is_staff(caller):
        await reply(update, t(caller.language, "staff.only"))
        return None
    if not in_staff_chat(update, context):
        await reply(update, t(caller.language, "staff.use_staff_chat"))
        return None
    return caller, staff_language(context)


def arguments(update: Update) -> str:
    """Everything after the command word, newlines kept (a reply may have paragraphs)."""
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1].strip() if len(parts) > 1 else ""


W = TypeVar("W")


def number_word_note(update: Update, words: Mapping[str, W]) -> tuple[str, W, str | None] | None:
    """ "<no> <word> [note]" (/callback, /review): the number, what the word means in
    ``words`` (lower-cased) and the note; None when the number or the word is not one."""
    parts = arguments(update).split(maxsplit=2)
    number = parse_number(parts[0]) if parts else None
    meaning = words.get(parts[1].lower()) if len(parts) > 1 else None
    if number is None or meaning is None:
        return None
    return number, meaning, (parts[2] if len(parts) > 2 else None)


async def _ticket_and_text(update: Update, context: Context, caller: Caller) -> tuple[str, str]:
    """("2611-0042", rest) from "2611-0042 rest", or from the ticket's topic; ("", args)."""
    args = arguments(update)
    first, *rest = args.split(maxsplit=1) or [""]
    number = parse_number(first)
    if number:
        return number, rest[0].strip() if rest else ""
    message = update.effective_message
    if message is not None and message.is_topic_message and message.message_thread_id:
        tickets = context.services.tickets
        try:
            return await tickets.staff.number_for_thread(
                caller.actor, message.message_thread_id
            ), args
        except ServiceError:
            pass  # a topic that is not a ticket's: the number is needed
    return "", args


Takes = Literal["none", "optional", "required"]
"""Whether a command about one ticket takes text after the number."""


@dataclass(frozen=True, slots=True)
class TicketCommand:
    """A staff command about one ticket, read: who typed it, the staff chat's language, the
    ticket's number and the text after it."""

    caller: Caller
    language: str
    number: str
    text: str


async def read_ticket_command(
    update: Update, context: Context, name: str, takes: Takes, **usage: Any
) -> TicketCommand | None:
    """The command ``name`` read, or None after telling the caller why not: not staff, not
    in the staff chat, or no number (or text where ``takes`` wants none, or none where it
    wants some): then its usage, staff.usage.<name> (with the parameters ``usage``)."""
    gated = await gate(update, context)
    if gated is None:
        return None
    caller, language = gated
    number, text = await _ticket_and_text(update, context, caller)
    unwanted = (takes == "required" and not text) or (takes == "none" and text)
    if not number or unwanted:
        await reply(update, t(language, f"staff.usage.{name}", **usage))
        return None
    return TicketCommand(caller, language, number, text)


Call = Callable[[StaffDesk, Actor, str, str], Awaitable[StaffTicketView]]


@dataclass(frozen=True, slots=True)
class Act:
    """A command that changes a ticket: its name, whether it takes text, the service call."""

    name: str
    text: Takes
    call: Call


async def _act(update: Update, context: Context, act: Act) -> None:
    command = await read_ticket_command(update, context, act.name, act.text)
    if command is None:
        return
    language, number, text = command.language, command.number, command.text
    refused = too_long(language, text)
    if refused is None:
        tickets = context.services.tickets
        outcome = await attempt(
            language,
            number,
            act.name,
            act.call(tickets.staff, command.caller.actor, number, text),
        )
        if isinstance(outcome, Refused):
            refused = outcome
        else:
            done = await done_text(context, language, act.name, outcome)
            await reply(
                update,
                await with_summary_hint(update, context, language, act.name, number, done),
            )
            return
    await reply(update, refused.text)


_TELLS_RESIDENT = frozenset({"reply", "photo", "resolve", "reject", "merge"})
"""Actions whose confirmation says the resident was told."""


async def done_text(context: Context, language: str, action: str, view: StaffTicketView) -> str:
    """The one-line confirmation of an action (ticket messages name the ticket first)."""
    if view.resident_unreachable and action in _TELLS_RESIDENT:  # not "sent": it was not
        key = f"staff.{view.resident_unreachable}.{action}"
        return t(language, key, number=view.number, into=view.merged_into)
    if action == "assign":
        name = await assignee_name(context, view)
        return t(language, "staff.done.assign", number=view.number, name=name)
    if action == "merge":
        return t(language, "staff.done.merge", number=view.number, into=view.merged_into)
    if action == "resolve" and view.channel != "telegram":  # 代录: the caller is called back
        action = "resolve_on_behalf"
    return t(language, f"staff.done.{action}", number=view.number)


async def _assign(s: StaffDesk, actor: Actor, number: str, text: str) -> StaffTicketView:
    return await s.assign(actor, number, int(text))


async def _merge(s: StaffDesk, actor: Actor, number: str, text: str) -> StaffTicketView:
    return await s.merge(actor, number, parse_number(text) or text)


ACTS = {
    "reply": Act("reply", "required", lambda s, a, n, x: s.reply(a, n, x)),
    "note": Act("note", "required", lambda s, a, n, x: s.note(a, n, x)),
    "resolve": Act("resolve", "optional", lambda s, a, n, x: s.resolve(a, n, x or None)),
    "reject": Act("reject", "required", lambda s, a, n, x: s.reject(a, n, x)),
    "accept": Act("accept", "none", lambda s, a, n, x: s.accept(a, n)),
    "assign": Act("assign", "required", _assign),
    "merge": Act("merge", "required", _merge),
}


def act_command(name: str) -> Callable[[Update, Context], Awaitable[None]]:
    """The handler of one ticket-changing command, with its argument checks."""
    act = ACTS[name]

    async def command(update: Update, context: Context) -> None:
        if name == "assign" and not _ends_with_id(update):
            await _usage_or_gate(update, context, name)
            return
        if name == "merge" and not _ends_with_number(update):
            await _usage_or_gate(update, context, name)
            return
        await _act(update, context, act)

    return command


def _ends_with_id(update: Update) -> bool:
    words = arguments(update).split()
    return bool(words) and parse_id(words[-1]) is not None and len(words) in (1, 2)


def _ends_with_number(update: Update) -> bool:
    words = arguments(update).split()
    return len(words) == 2 and parse_number(words[-1]) is not None


async def _usage_or_gate(update: Update, context: Context, name: str) -> None:
    gated = await gate(update, context)
    if gated is not None:
        await reply(update, t(gated[1], f"staff.usage.{name}"))


async def queue_command(update: Update, context: Context) -> None:
    """/queue: open tickets, the soonest due first, overdue ones marked."""
    await _list(update, context, mine=False)


async def mine_command(update: Update, context: Context) -> None:
    """/mine: the caller's open tickets."""
    await _list(update, context, mine=True)


async def _list(update: Update, context: Context, *, mine: bool) -> None:
    gated = await gate(update, context)
    if gated is None:
        return
    caller, language = gated
    tickets = context.services.tickets
    actor = caller.actor
    call = tickets.staff.list_mine(actor) if mine else tickets.staff.list_queue(actor)
    outcome = await attempt(language, "", "accept", call)
    if isinstance(outcome, Refused):
        await reply(update, outcome.text)
        return
    keys = (
        ("staff.mine.title", "staff.mine.empty")
        if mine
        else ("staff.queue.title", "staff.queue.empty")
    )
    await reply(update, queue_text(language, outcome, *keys, district_tz(context)))


async def ticket_command(update: Update, context: Context) -> None:
    """/ticket <no> in the staff chat: every detail and the full trail, notes included."""
    command = await read_ticket_command(update, context, "ticket", "none")
    if command is None:
        return
    language, number = command.language, command.number
    tickets = context.services.tickets
    call = tickets.staff.get_ticket_for_staff(command.caller.actor, number)
    outcome = await attempt(language, number, "accept", call)
    if isinstance(outcome, Refused):
        await reply(update, outcome.text)
        return
    names = await staff_names(context)
    await reply(update, ticket_text(language, outcome, names, district_tz(context)))
