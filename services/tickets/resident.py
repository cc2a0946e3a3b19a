"""The resident's side of a ticket after filing: seeing it, adding to it, rating it.

A resident sees only tickets they filed or follow: any other number answers NotFound, the
same as a number that does not exist, so numbers cannot be probed. Staff appear in what a
resident sees only as the community (STAFF_SIGNATURE).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.errors import InvalidInput, NotFound
from services.log_context import bind_ticket
from services.reports.scrub import mask_phone_numbers
from services.residents.bans import BanCheck
from services.tickets import lifecycle, notify
from services.tickets import validation as check
from services.tickets.lifecycle import Action
from services.tickets.pauses import resume_on_followup
from services.tickets.trail import STAFF_ROLES, TicketTrail
from services.tickets.views import TicketView
from storage import Role
from storage.models import (
    EventKind,
    Resident,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketStatus,
)
from storage.repositories import tickets as repo
from storage.repositories.residents import get_resident


class FollowedNotFiled(NotFound):
    """The resident follows the ticket (a "me too", or a merge) but did not file it: they may
    read it, and only its filer adds to it or rates it."""


@dataclass(frozen=True, slots=True)
class AwaitedRating:
    """A ticket whose rating question the resident has not answered yet."""

    ticket_id: int
    number: str


class ResidentTickets:
    """What residents do with their tickets after filing them."""

    def __init__(self, trail: TicketTrail, bans: BanCheck | None = None) -> None:
        self._trail = trail
        # Follow-ups reach the staff chat, so a ban refuses them; ratings stay (figures).
        self._bans = bans or BanCheck(trail.db, trail.clock)

    async def get_ticket_for_resident(self, actor: Actor, number: str) -> TicketView:
        """The resident's own (or followed) ticket with its public timeline; NotFound else."""
        async with self._trail.db.transaction() as session:
            person = await self._person(session, actor)
            ticket = await repo.get_ticket_by_number(session, number.strip())
            if ticket is None:
                raise NotFound(f"ticket {number}")
            bind_ticket(ticket.number)
            if ticket.resident_id == person.id:
                return await self._trail.resident_view(session, ticket, is_owner=True)
            follows = await session.get(TicketFollower, (ticket.id, person.id))
            if follows is None:
                raise NotFound(f"ticket {number}")
            return await self._trail.resident_view(session, ticket, is_owner=False)

    async def get_own_ticket_by_id(self, actor: Actor, ticket_id: int) -> TicketView:
        """The resident's own ticket by its id (the rating buttons carry ids); NotFound else."""
        async with self._trail.db.transaction() as session:
            person = await self._person(session, actor)
            ticket = await repo.get_ticket(session, ticket_id)
            if ticket is None or ticket.resident_id != person.id:
                raise NotFound(f"ticket #{ticket_id}")
            return await self._trail.resident_view(session, ticket, is_owner=True, timeline=False)

    async def list_my_tickets(self, actor: Actor, limit: int = 20) -> tuple[TicketView, ...]:
        """The resident's own tickets, newest first, without timelines (/mytickets)."""
        return await self._listed(actor, repo.list_for_resident, limit, is_owner=True)

    async def list_followed_tickets(self, actor: Actor, limit: int = 20) -> tuple[TicketView, ...]:
        """The tickets the resident follows but did not file, newest first, as a follower
        sees them (no one's words), without timelines (/mytickets)."""
        return await self._listed(actor, repo.list_followed, limit, is_owner=False)

    async def _listed(
        self,
        actor: Actor,
        rows: Callable[..., Awaitable[list[Ticket]]],
        limit: int,
        *,
        is_owner: bool,
    ) -> tuple[TicketView, ...]:
        async with self._trail.db.transaction() as session:
            person = await self._person(session, actor)
            return tuple(
                [
                    await self._trail.resident_view(
                        session, ticket, is_owner=is_owner, timeline=False
                    )
                    for ticket in await rows(session, person.id, limit=limit)
                ]
            )

    async def followup(self, actor: Actor, number: str, text: str) -> TicketView:
        """The filer adds to an open (or resolved) ticket; it reaches the staff chat.
        Banned while staff have banned the filer."""
        text = check.message(text, "the follow-up")
        await self._bans.refuse_if_banned(actor.telegram_id)
        async with self._trail.db.transaction() as session:
            person, ticket = await self._own(session, actor, number, Action.FOLLOWUP)
            event = await self._trail.record(
                session, ticket, person, EventKind.FOLLOWUP, public_message=text, as_resident=True
            )
            await self._relay(session, ticket, event, text)
            # The answer staff were waiting for (or any word from the resident): work resumes.
            await resume_on_followup(self._trail, session, ticket, person)
            return await self._trail.resident_view(session, ticket, is_owner=True)

    async def rate(self, actor: Actor, number: str, solved: bool, score: int) -> TicketView:
        """The filer rates a resolved ticket: solved closes it; not solved reopens it and
        tells the staff chat. Their words, if any, come after (``comment_on_rating``)."""
        if not 1 <= score <= 5:
            raise InvalidInput("the rating is from 1 to 5")
        async with self._trail.db.transaction() as session:
            person, ticket = await self._own(session, actor, number, Action.RATE)
            if notify.recorded_for_someone(ticket):  # 代录: the caller rates by the callback
                raise NotFound(f"rating of {number}")
            now = self._trail.clock()
            ticket.rating_solved, ticket.rating_score = solved, score
            if solved:
                target, ticket.closed_at = TicketStatus.CLOSED, now
            else:
                target, ticket.resolved_at = TicketStatus.REOPENED, None
            event = await self._trail.record(
                session, ticket, person, EventKind.RATING, to_status=target.value,
                details={"solved": solved, "score": score}, as_resident=True,
            )  # fmt: skip
            key, params = notify.follower_news(ticket)
            for follower in await repo.list_followers(session, ticket.id):
                await notify.to_person(
                    session, ticket, event, follower, self._trail.settings, key, params
                )
            if not solved:
                await notify.to_staff_chat(
                    session, ticket, event, self._trail.settings, "staff.reopened",
                    {"ticket_id": ticket.id, "number": ticket.number, "score": score},
                    buttons=notify.staff_buttons(ticket.id, ticket.status),
                )  # fmt: skip
            return await self._trail.resident_view(session, ticket, is_owner=True)

    async def comment_on_rating(self, actor: Actor, number: str, comment: str) -> TicketView:
        """The filer's words after their rating (asked once the score is in), kept with the
        rating, once. After "not solved" they are what staff must hear: they reach the staff
        chat as the reopened ticket's follow-up. NotFound unless the filer rated the ticket
        and said nothing yet."""
        comment = check.message(comment, "the comment")
        async with self._trail.db.transaction() as session:
            person = await self._person(session, actor)
            ticket = await self._trail.ticket(session, number)
            said = ticket.rating_score is None or ticket.rating_comment is not None
            if ticket.resident_id != person.id or said:
                raise NotFound(f"rating of {number}")
            ticket.rating_comment = comment
            event = await self._trail.record(
                session, ticket, person, EventKind.FOLLOWUP, public_message=comment,
                as_resident=True,
            )  # fmt: skip
            if not ticket.rating_solved:
                await self._relay(session, ticket, event, comment)
            return await self._trail.resident_view(session, ticket, is_owner=True)

    async def _relay(
        self, session: AsyncSession, ticket: Ticket, event: TicketEvent, text: str
    ) -> None:
        """The resident's words to the staff chat, phone numbers masked as on the card (the
        group reads them, whoever filed, anonymous or not). A number is there to be called:
        whoever took the ticket gets the words in full, privately, as they get the phone."""
        masked = mask_phone_numbers(text)
        params = {"ticket_id": ticket.id, "number": ticket.number, "text": masked}
        settings = self._trail.settings
        await notify.to_staff_chat(session, ticket, event, settings, "staff.followup", params)
        assignee = (
            None
            if masked == text or ticket.assignee_telegram_id is None
            else await get_resident(session, ticket.assignee_telegram_id)
        )
        if assignee is not None and Role(assignee.role) in STAFF_ROLES:
            params = {**params, "text": text}
            await notify.to_person(
                session, ticket, event, assignee, settings, "staff.followup", params
            )

    async def awaiting_rating(self, actor: Actor) -> tuple[AwaitedRating, ...]:
        """The resident's own tickets whose rating question is open: resolved (each
        resolution asks it, and a rating closes or reopens the ticket) and not yet closed for
        want of a rating. A typed 没解决 / 解决了 answers these."""
        async with self._trail.db.transaction() as session:
            person = await self._person(session, actor)
            rows = await repo.list_for_resident(session, person.id, limit=50)
            return tuple(
                AwaitedRating(t.id, t.number)
                for t in rows
                if t.status == TicketStatus.RESOLVED  # a rating closes or reopens it
                # 代录: the recorder was never asked; the caller answers the callback (回访)
                and not notify.recorded_for_someone(t)
            )

    async def _person(self, session: AsyncSession, actor: Actor) -> Resident:
        """The resident asking, in their own chat with linli: the one rule of this class. In a
        group their tickets are not shown or changed, nor even said to exist (NotFound, the
        answer for a number that does not exist)."""
        if not actor.private:
            raise NotFound("tickets outside the resident's private chat")
        return await self._trail.person(session, actor.telegram_id)

    async def _own(
        self, session: AsyncSession, actor: Actor, number: str, action: Action
    ) -> tuple[Resident, Ticket]:
        """The filer and their ticket, locked, if ``action`` is allowed in its status; NotFound
        when it is not theirs (the same answer as for a number that does not exist), and
        FollowedNotFiled when they follow it."""
        person = await self._person(session, actor)
        ticket = await self._trail.ticket(session, number)
        if ticket.resident_id != person.id:
            # Someone else's number: "not found", as for one that does not exist; a follower
            # knows the ticket, and is told why it is not theirs to change.
            followers = await repo.list_followers(session, ticket.id)
            if any(follower.id == person.id for follower in followers):
                raise FollowedNotFiled(f"ticket {number}")
            raise NotFound(f"ticket {number}")
        lifecycle.check(ticket.number, action, ticket.status)
        return person, ticket
