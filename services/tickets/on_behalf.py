"""Every channel (代录): staff record a ticket for a resident who phoned, walked in, wrote a
letter or came through the city hotline (12345).

A guided flow in the staff member's private chat with linli: channel, category, description,
place, the resident's name and phone, then a summary to submit. The answers so far are one
row per staff member (``recording_drafts``), apart from any complaint of their own.

Who owns such a ticket: the recording staff member's record, with the caller's name in
``on_behalf_name`` and their phone in the ticket's ``phone`` (as a resident's optional
phone is kept). The caller has no Telegram account, so the person who can pass an update on
is the one who took the call: every status update reaches the recorder (notify.py words it
as "please pass this on to …"), and the callback list takes the ticket once it is resolved
(services/tickets/callbacks.py ``recorded_on_behalf``). A placeholder resident row would
need a Telegram id nobody has and would reach nobody.

The phone is required except for a letter: a letter may come with a postal address only,
and the callback is then by post or a visit (the place says where).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor, require_private
from services.district import current
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.residents.service import STAFF_ROLES
from services.tickets import validation as check
from services.tickets.categories import ENQUIRY, get_category
from services.tickets.complaint import Complaint
from services.tickets.filing import Filing
from services.tickets.trail import TicketTrail
from storage import Role
from storage.models import RecordingDraft, Resident
from storage.repositories import recordings as repo
from storage.repositories import residents as residents_repo

TELEGRAM = "telegram"
CHANNEL_TITLES = {
    TELEGRAM: "Telegram",
    "phone": "电话",
    "walk_in": "来访",
    "letter": "来信",
    "hotline": "12345 热线",
    "other": "其他",
}
"""Every way a resident reaches the desk, with its name in the figures (by_channel)."""
CHANNELS = tuple(c for c in CHANNEL_TITLES if c != TELEGRAM)
"""The ways outside Telegram, offered by /record."""
FIELDS = ("channel", "category", "description", "place", "name", "phone")
"""The questions of the flow, in the order they are asked."""
MAX_NAME = 32
NO_PHONE = ""
"""The phone answer "none" (a letter only)."""


class PhoneRequired(InvalidInput):
    """ "No phone" for a channel other than a letter: the callback needs a number."""

    def __init__(self) -> None:
        super().__init__("a phone number is needed for the callback")


@dataclass(frozen=True, slots=True)
class RecordingView:
    """The answers so far and the question to ask next ("confirm" once all are given)."""

    channel: str | None
    category: str | None
    description: str | None
    place: str | None
    name: str | None
    phone: str | None  # "" when a letter came without one
    step: str


def channel_title(channel: str) -> str:
    """The channel's name in the figures; the id itself for one linli no longer knows."""
    return CHANNEL_TITLES.get(channel, channel)


def _view(fields: dict[str, Any]) -> RecordingView:
    step = next((f for f in FIELDS if f not in fields), "confirm")
    return RecordingView(
        channel=fields.get("channel"),
        category=fields.get("category"),
        description=fields.get("description"),
        place=fields.get("place"),
        name=fields.get("name"),
        phone=fields.get("phone"),
        step=step,
    )


def caller_name(value: str) -> str:
    """The resident's name as staff typed it (王阿姨, 李先生): required, short."""
    name = " ".join(value.split())
    if not name or not check.has_words(name):
        raise InvalidInput("give the resident's name (e.g. 王阿姨)")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the name is longer than {MAX_NAME} characters")
    return name


def _checked(field: str, value: str, fields: dict[str, Any]) -> str:
    """One answer validated; InvalidInput says why (nothing is stored then)."""
    if field == "channel":
        if value not in CHANNELS:
            raise InvalidInput(f"unknown channel {value!r}")
        return value
    if field == "category":
        if value == ENQUIRY:
            raise InvalidInput("an enquiry is not recorded here")
        return get_category(check.category(value)).id
    if field == "description":
        return check.description(value)
    if field == "place":
        return check.location_text(value)
    if field == "name":
        return caller_name(value)
    if field == "phone":
        if value.strip() == NO_PHONE:
            if fields.get("channel") != "letter":
                raise PhoneRequired()
            return NO_PHONE
        return check.phone(value)
    raise InvalidInput(f"unknown field {field!r}")


class OnBehalf:
    """Staff record tickets for residents outside Telegram (staff, official, admin roles;
    in their private chat with linli only)."""

    def __init__(self, trail: TicketTrail, filing: Filing) -> None:
        self._trail = trail
        self._filing = filing

    async def start(self, actor: Actor) -> RecordingView:
        """Begin (again) a recording: an empty draft at the channel question."""
        async with self._trail.db.transaction() as session:
            await self._recorder(session, actor)
            await repo.save_recording(session, actor.telegram_id, {}, self._trail.clock())
            return _view({})

    async def current(self, actor: Actor) -> RecordingView | None:
        """The recording under way, or None (never started, submitted or cancelled)."""
        async with self._trail.db.transaction() as session:
            await self._recorder(session, actor)
            draft = await repo.get_recording(session, actor.telegram_id)
            return None if draft is None else _view(dict(draft.fields))

    async def answer(self, actor: Actor, field: str, value: str) -> RecordingView:
        """Answer one question (or change an answer); InvalidInput leaves the draft as it
        was, NotFound when no recording is under way."""
        async with self._trail.db.transaction() as session:
            draft = await self._draft(session, actor)
            fields = dict(draft.fields)
            fields[field] = _checked(field, value, fields)
            if field == "channel" and value != "letter" and fields.get("phone") == NO_PHONE:
                del fields["phone"]  # "no phone" was allowed for a letter only: ask again
            await repo.save_recording(session, actor.telegram_id, fields, self._trail.clock())
            return _view(fields)

    async def place_in(self, actor: Actor, community_id: str) -> RecordingView:
        """The place given as one of the district's communities (a button): its name, which
        also files the ticket under that community. InvalidInput for an unknown one."""
        found = current.get().community(community_id)
        if found is None:
            raise InvalidInput(f"unknown community {community_id!r}")
        return await self.answer(actor, "place", found.name)

    async def change(self, actor: Actor, field: str) -> RecordingView:
        """修改: ask ``field`` again (its answer is forgotten until given anew)."""
        if field not in FIELDS:
            raise InvalidInput(f"unknown field {field!r}")
        async with self._trail.db.transaction() as session:
            draft = await self._draft(session, actor)
            fields = {k: v for k, v in draft.fields.items() if k != field}
            await repo.save_recording(session, actor.telegram_id, fields, self._trail.clock())
            return _view(fields)

    async def discard(self, actor: Actor) -> bool:
        """取消 or /cancel: forget the recording; False when there was none."""
        async with self._trail.db.transaction() as session:
            await self._recorder(session, actor)
            return await repo.delete_recording(session, actor.telegram_id)

    async def submit(self, actor: Actor) -> str:
        """提交: file the ticket (its card goes to the staff chat) and forget the draft, in one
        transaction; returns its number. InvalidInput while a question is unanswered."""
        async with self._trail.db.transaction() as session:
            draft = await self._draft(session, actor)
            view = _view(dict(draft.fields))
            if view.step != "confirm":
                raise InvalidInput(f"the {view.step} is still missing")
            recorder = await self._recorder(session, actor)
            complaint = Complaint(
                category=get_category(view.category or "").id,
                description=view.description or "",
                location_text=view.place,
                phone=view.phone or None,
                channel=view.channel or "other",
                on_behalf_name=view.name,
            )
            ticket, _event = await self._filing.file_in(session, recorder, complaint)
            await repo.delete_recording(session, actor.telegram_id)
            return ticket.number

    async def _recorder(self, session: AsyncSession, actor: Actor) -> Resident:
        """The staff member recording, in their private chat; PermissionDenied without a
        staff role, WrongPlace in a group (the caller's phone is read out there)."""
        person = await residents_repo.get_resident(session, actor.telegram_id)
        if person is None or Role(person.role) not in STAFF_ROLES:
            raise PermissionDenied("staff")
        require_private(actor)
        return person

    async def _draft(self, session: AsyncSession, actor: Actor) -> RecordingDraft:
        await self._recorder(session, actor)
        draft = await repo.get_recording(session, actor.telegram_id)
        if draft is None:
            raise NotFound("recording")
        return draft
