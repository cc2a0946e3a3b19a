"""The public summary of a ticket: the one text about it that the public reads.

The monthly 居务公开 disclosure and every export made without personal data show this
summary and never the resident's own words: a description is written to the community
centre, not to the district, and no scrubber can be trusted to find every name in it.
Staff write the summary when they resolve, reject or close a ticket (/summary in the staff
chat); until they do, the public reads a default built from the category, the place at
building level and the outcome (环境卫生 · 幸福里小区3号楼 · 已解决). Both are computed here
and nowhere else. The scrubber still runs over what staff wrote, as a second line of
defence, and people's names are masked in the place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.district import current
from services.errors import InvalidInput
from services.lengths import text_units
from services.reports.scrub import mask_people, says_nothing, scrub
from services.tickets import lifecycle
from services.tickets.categories import category_title
from services.tickets.places import building_level
from services.tickets.trail import TicketTrail
from services.tickets.validation import has_words
from storage.models import EventKind, Resident, Ticket, TicketStatus

MAX_SUMMARY = 100
"""At most this many UTF-16 units (an emoji counts two): one line of a bulletin."""

SEPARATOR = " · "
OUTCOMES: dict[str, str] = {
    TicketStatus.NEW: "办理中",
    TicketStatus.ACCEPTED: "办理中",
    TicketStatus.IN_PROGRESS: "办理中",
    TicketStatus.REOPENED: "办理中",
    TicketStatus.RESOLVED: "已解决",
    TicketStatus.CLOSED: "已办结",
    TicketStatus.REJECTED: "不予受理",
    TicketStatus.MERGED: "已合并办理",
}
"""The outcome of a status, as the public reads it."""


class SummaryTooLong(InvalidInput):
    """The summary is longer than MAX_SUMMARY units; nothing was changed."""

    def __init__(self, units: int) -> None:
        self.units = units
        self.limit = MAX_SUMMARY
        super().__init__(f"the summary may have at most {MAX_SUMMARY} characters (it has {units})")


class EmptySummary(InvalidInput):
    """The summary has no words (only spaces, emoji or punctuation)."""

    def __init__(self) -> None:
        super().__init__("the summary has no words")


@dataclass(frozen=True, slots=True)
class SummaryView:
    """A ticket's public summary: what staff wrote (None: nothing yet), what the public
    reads, and the default it reads when staff wrote nothing."""

    number: str
    written: str | None
    published: str
    default: str


def default_summary(
    category: str,
    community: str | None,
    location_text: str | None,
    status: str,
    names: Iterable[str | None] = (),
) -> str:
    """Category · place at building level (or the community) · outcome; never the
    description. ``names`` (the filer's) are masked in the place, as are people named
    with a title (王阿姨家楼下)."""
    place = public_place(community, location_text, names)
    parts = (category_title(category), place, OUTCOMES.get(status, ""))
    return SEPARATOR.join(p for p in parts if p)


def public_place(
    community: str | None, location_text: str | None, names: Iterable[str | None] = ()
) -> str:
    """The place at building level (or the community), with ``names`` (the filer's) and
    people named with a title (王阿姨家楼下) masked: all of a ticket's place that may be
    read by anyone but staff."""
    return mask_people(building_level(location_text) or _community_name(community), names)


async def ticket_place(session: AsyncSession, ticket: Ticket) -> str:
    """``public_place`` of a ticket, with its filer's name and community."""
    community, names = await _filer_context(session, ticket)
    return public_place(community, ticket.location_text, names)


def published_summary(
    written: str | None,
    category: str,
    community: str | None,
    location_text: str | None,
    status: str,
    names: Iterable[str | None] = (),
) -> str:
    """What the public reads about a ticket: the category and what staff wrote, scrubbed
    of personal data; the default when they wrote nothing (or nothing survived the
    scrubber)."""
    names = tuple(names)
    said = scrub(written, names)
    if not says_nothing(said):
        return category_title(category) + SEPARATOR + said
    return default_summary(category, community, location_text, status, names)


def check_summary(text: str) -> str:
    """The summary as it is stored: trimmed, with words, at most MAX_SUMMARY units."""
    summary = " ".join(text.split())
    if text_units(summary) > MAX_SUMMARY:
        raise SummaryTooLong(text_units(summary))
    if not has_words(summary):
        raise EmptySummary()
    return summary


class PublicSummaries:
    """Staff read and write the public summary of a ticket."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def set_summary(self, actor: Actor, number: str, text: str) -> SummaryView:
        """Write the public summary of a resolved, rejected or closed ticket.

        Staff, officials and admins, in the staff chat (or their own chat with linli);
        recorded in the ticket's trail with the summary it replaced. Raises
        PermissionDenied, WrongPlace, NotFound, InvalidTransition (still open, or merged),
        SummaryTooLong or EmptySummary, and then changes nothing.
        """
        summary = check_summary(text)
        async with self._trail.db.transaction() as session:
            staff = await self._trail.staff(session, actor)
            ticket = await self._trail.ticket(session, number)
            lifecycle.check(ticket.number, lifecycle.Action.SUMMARY, ticket.status)
            previous, ticket.public_summary = ticket.public_summary, summary
            await self._trail.record(
                session, ticket, staff, EventKind.SUMMARY, internal_note=summary,
                details={"previous": previous},
            )  # fmt: skip
            return await _view(session, ticket)

    async def show(self, actor: Actor, number: str) -> SummaryView:
        """The public summary of a ticket as it stands (staff, as for ``set_summary``)."""
        async with self._trail.db.transaction() as session:
            await self._trail.staff(session, actor)
            return await _view(session, await self._trail.ticket(session, number))


async def _view(session: AsyncSession, ticket: Ticket) -> SummaryView:
    community, names = await _filer_context(session, ticket)
    place = (ticket.category, community, ticket.location_text, ticket.status)
    return SummaryView(
        number=ticket.number,
        written=ticket.public_summary,
        published=published_summary(ticket.public_summary, *place, names),
        default=default_summary(*place, names),
    )


async def _filer_context(
    session: AsyncSession, ticket: Ticket
) -> tuple[str | None, tuple[str | None, ...]]:
    """The ticket's community (else its filer's) and the filer's name, to mask."""
    filer = await session.get(Resident, ticket.resident_id)
    community = ticket.community or (None if filer is None else filer.community)
    return community, () if filer is None else (filer.display_name,)


def _community_name(community_id: str | None) -> str:
    """The configured name of the community the ticket or its filer belongs to (the id of a
    community since removed from the configuration; nothing when none was given)."""
    if not community_id:
        return ""
    found = current.get().community(community_id)
    return community_id if found is None else found.name
