"""Filing: the resident's draft (kept in the database), the duplicate check, and new tickets.

Also the ways in that skip the draft: a complaint in one go (console, benchmark, tests) and
an enquiry made of a question linli could not answer.

Every use case here takes the Actor and acts only in the resident's private chat with linli
(filing asks for a phone number, and a button can be forwarded into a group or forged with
any data): from anywhere else it raises WrongPlace before reading or writing anything. A
ticket recorded for someone by staff (代录) comes in through ``file_in``, checked by
services/tickets/on_behalf.py.

A new ticket, its "filed" event and the staff card are written in one transaction; its
number ("2611-0042": Shanghai year and month, then the month's sequence) is taken last, so
concurrent filers hold the sequence row only for the end of their transaction.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.person_request import asks_for_person
from services.access import Actor, require_private
from services.errors import InvalidInput, NotFound
from services.log_context import bind_ticket
from services.residents.awaiting import Owed, take_owed
from services.residents.bans import BanCheck
from services.residents.limits import ResidentLimits, Throttle
from services.tickets import lifecycle, notify
from services.tickets import validation as check
from services.tickets.categories import ENQUIRY, get_category
from services.tickets.complaint import Complaint, checked, from_draft, ticket_number
from services.tickets.places import building_level, community_of
from services.tickets.trail import TicketTrail
from services.tickets.units import route
from services.tickets.views import DraftView, SimilarTicketView, TicketView, draft_view
from storage.models import EventKind, FilingDraft, Resident, Ticket, TicketEvent, TicketStatus
from storage.repositories import query_log
from storage.repositories import tickets as repo

JUST_FILED = timedelta(minutes=30)
"""How long a repeated submit still finds the ticket it filed."""


class QuestionNeeded(InvalidInput):
    """The text only asks for a person (转人工): no question for staff to answer yet."""

    def __init__(self) -> None:
        super().__init__("only a request for a person: what is it about?")


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""update_draft's default: leave this field as it is."""


class Filing:
    """The resident's side of filing: the draft, the duplicate check, new tickets; each in
    the resident's private chat only (WrongPlace elsewhere)."""

    def __init__(
        self, trail: TicketTrail, limits: ResidentLimits | None = None, bans: BanCheck | None = None
    ) -> None:
        self._trail = trail
        # A banned resident files nothing: told at /complain, refused again at every way in.
        self._bans = bans or BanCheck(trail.db, trail.clock)
        per_hour = (limits or ResidentLimits()).filings_per_hour
        self._filings = Throttle("filings", per_hour, timedelta(hours=1), trail.clock)

    async def start_draft(self, actor: Actor) -> DraftView:
        """Begin (or begin again) filing: an empty draft at the "category" step (Banned
        while staff have banned the resident)."""
        require_private(actor)
        await self._bans.refuse_if_banned(actor.telegram_id)
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            await repo.delete_draft(session, person.id)
            draft = await repo.save_draft(
                session, person.id, self._trail.clock(), step=check.STEPS[0]
            )
            return draft_view(draft)

    async def get_draft(self, actor: Actor) -> DraftView | None:
        """The draft the resident left (e.g. before a restart), or None."""
        require_private(actor)
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            draft = await repo.get_draft(session, person.id)
            return None if draft is None else draft_view(draft)

    async def update_draft(
        self,
        actor: Actor,
        *,
        step: str | _Keep = KEEP,
        category: str | _Keep = KEEP,
        description: str | _Keep = KEEP,
        location_text: str | _Keep = KEEP,
        location: tuple[float, float] | _Keep = KEEP,
        add_photo: str | _Keep = KEEP,
        clear_photos: bool = False,
        add_to_description: str | _Keep = KEEP,
        phone: str | _Keep | None = KEEP,
        anonymous: bool | _Keep = KEEP,
    ) -> DraftView:
        """Change some fields of the draft; each value is validated (InvalidInput says why).

        ``phone=None`` removes the phone number; ``add_photo`` appends one file id (at most
        five); ``add_to_description`` appends words (a photo's caption) to the description
        on a line of their own, and the whole is validated again. NotFound when the resident
        has no draft (expired or never started).
        """
        require_private(actor)
        fields: dict[str, object] = {}
        if not isinstance(step, _Keep):
            fields["step"] = check.step(step)
        if not isinstance(category, _Keep):
            fields["category"] = check.category(category)
        if not isinstance(description, _Keep):
            fields["description"] = check.description(description)
        if not isinstance(location_text, _Keep):
            fields["location_text"] = check.location_text(location_text)
        if not isinstance(location, _Keep):
            fields["latitude"], fields["longitude"] = check.coordinates(*location)
        if not isinstance(phone, _Keep):
            fields["phone"] = None if phone is None else check.phone(phone)
        if not isinstance(anonymous, _Keep):
            fields["anonymous"] = anonymous
        async with self._trail.db.transaction() as session:
            draft = await self._draft(session, actor)
            photos = [] if clear_photos else list(draft.photos)
            if not isinstance(add_photo, _Keep):
                photos = check.photos([*photos, add_photo])
            fields["photos"] = photos
            if not isinstance(add_to_description, _Keep):
                so_far = fields.get("description", draft.description)
                joined = f"{so_far}\n{add_to_description.strip()}" if so_far else add_to_description
                fields["description"] = check.description(joined)
            draft = await repo.save_draft(session, draft.resident_id, self._trail.clock(), **fields)
            return draft_view(draft)

    async def discard_draft(self, actor: Actor) -> bool:
        """Forget the draft (/cancel, or its button); False when there was none. (An idle
        draft expires in SystemTickets.expire_drafts, for no one in particular.)"""
        require_private(actor)
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            return await repo.delete_draft(session, person.id)

    async def submit_draft(self, actor: Actor) -> TicketView:
        """File the draft as a ticket and forget the draft, in one transaction.

        InvalidInput names the first missing piece (category, description or place);
        TooManyRequests past the resident's limit of filings an hour (the draft stays).
        """
        require_private(actor)
        await self._bans.refuse_if_banned(actor.telegram_id)
        self._filings.check(actor.telegram_id)
        async with self._trail.db.transaction() as session:
            draft = await self._draft(session, actor)
            complaint = from_draft(draft)
            person = await self._trail.person(session, actor.telegram_id)
            ticket, event = await self._file(session, person, complaint)
            await repo.delete_draft(session, person.id)
            return await self._trail.resident_view(session, ticket, is_owner=True, events=[event])

    async def file_complaint(self, actor: Actor, complaint: Complaint) -> TicketView:
        """File a complaint in one go (console, benchmark, tests); validated like a draft."""
        require_private(actor)
        valid = checked(complaint)
        await self._bans.refuse_if_banned(actor.telegram_id)
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            ticket, event = await self._file(session, person, valid)
            return await self._trail.resident_view(session, ticket, is_owner=True, events=[event])

    async def file_enquiry(self, actor: Actor, question_text: str) -> TicketView:
        """Turn a question linli could not answer into an "enquiry" ticket for a person."""
        require_private(actor)
        enquiry = Complaint(category=ENQUIRY, description=check.question(question_text))
        await self._bans.refuse_if_banned(actor.telegram_id)
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            ticket, event = await self._file(session, person, enquiry)
            return await self._trail.resident_view(session, ticket, is_owner=True, events=[event])

    async def file_enquiry_from_query(self, actor: Actor, query_id: int) -> tuple[TicketView, bool]:
        """ "Ask a person" under an unanswered question: (the enquiry ticket, newly filed).

        Only the resident's own logged question (NotFound otherwise); pressing twice gives
        back the enquiry already filed for that question instead of a second ticket.
        QuestionNeeded (nothing filed) when the message only asked for a person (转人工):
        the resident is asked what they need, and ``file_asked_enquiry`` files the answer.
        """
        require_private(actor)
        await self._bans.refuse_if_banned(actor.telegram_id)
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            query = await query_log.get_query(session, query_id)
            if query is None or query.resident_id != person.id:
                raise NotFound(f"question {query_id}")
            if asks_for_person(query.raw_text) is not None:
                raise QuestionNeeded()  # 转人工 alone tells staff nothing: ask what about
            text = check.question(query.raw_text)
            for mine in await repo.list_for_resident(session, person.id, limit=50):
                if mine.category == ENQUIRY and mine.description == text:
                    return await self._trail.resident_view(session, mine, is_owner=True), False
            enquiry = Complaint(category=ENQUIRY, description=text)
            ticket, event = await self._file(session, person, enquiry)
            return await self._trail.resident_view(
                session, ticket, is_owner=True, events=[event]
            ), True

    async def file_asked_enquiry(self, actor: Actor, text: str) -> TicketView:
        """The resident's answer to "what do you need help with?" (Owed.ENQUIRY, asked after
        🙋 under 转人工): an enquiry ticket with it, and the question no longer owed, in one
        transaction. QuestionNeeded when it too only asks for a person, InvalidInput when
        empty or too long (both: nothing filed, still owed); NotFound when it is not owed
        (cancelled, or the wait ran out)."""
        require_private(actor)
        if asks_for_person(text) is not None:
            raise QuestionNeeded()
        enquiry = Complaint(category=ENQUIRY, description=check.question(text))
        await self._bans.refuse_if_banned(actor.telegram_id)
        async with self._trail.db.transaction() as session:
            now = self._trail.clock()
            if await take_owed(session, actor.telegram_id, Owed.ENQUIRY, now) is None:
                raise NotFound("no question was asked")
            person = await self._trail.person(session, actor.telegram_id)
            ticket, event = await self._file(session, person, enquiry)
            return await self._trail.resident_view(session, ticket, is_owner=True, events=[event])

    async def similar_to_draft(self, actor: Actor) -> tuple[SimilarTicketView, ...]:
        """Up to three open tickets of the draft's category whose text resembles the draft's
        description, best first; () without a draft or before its description.

        What the resident sees of other people's tickets is their category, the place at
        building level and the date: never their words (anonymous or not, phone numbers
        included)."""
        require_private(actor)
        async with self._trail.db.transaction() as session:
            draft = await self._draft(session, actor)
            return await self._similar(session, draft)

    async def _similar(
        self, session: AsyncSession, draft: FilingDraft
    ) -> tuple[SimilarTicketView, ...]:
        if not draft.category or not draft.description:
            return ()
        # Not the resident's own: "someone reported this already" about their own ticket
        # would only invite them to follow it, which they cannot (they add to it instead).
        candidates = [
            ticket
            for ticket in await repo.list_open_in_category(session, draft.category)
            if ticket.resident_id != draft.resident_id
        ]
        found = process.extract(
            draft.description.strip(),
            {t.id: t.description for t in candidates},
            scorer=fuzz.WRatio,
            limit=self._trail.settings.similar_limit,
            score_cutoff=self._trail.settings.similarity_threshold,
        )
        by_id = {t.id: t for t in candidates}
        return tuple(
            SimilarTicketView(
                number=by_id[key].number,
                category=by_id[key].category,
                status=by_id[key].status,
                place=building_level(by_id[key].location_text),
                created_at=by_id[key].created_at,
                score=round(score, 1),
            )
            for _text, score, key in found
        )

    async def just_filed(self, actor: Actor) -> TicketView | None:
        """The ticket this resident filed within the last JUST_FILED, if any: a submit
        pressed again after a crash between the ticket's commit and the reply (the draft is
        gone) shows the number they never saw, instead of a shrug."""
        require_private(actor)
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            recent = await repo.list_for_resident(session, person.id, limit=1)
            if not recent or recent[0].created_at < self._trail.clock() - JUST_FILED:
                return None
            return await self._trail.resident_view(
                session, recent[0], is_owner=True, timeline=False
            )

    async def follow_ticket(
        self, actor: Actor, ticket_no: str, *, discard_draft: bool = False
    ) -> TicketView:
        """Follow ("me too") an open ticket that was offered as like the resident's draft,
        instead of filing a duplicate; its status changes reach the resident.

        Only a ticket among those ``similar_to_draft`` offers can be followed: ticket numbers
        run in sequence, so a forged button could otherwise follow any ticket. NotFound for
        any other number (the same answer as an unknown one); InvalidInput for the resident's
        own or a closed one. ``discard_draft`` also forgets the resident's draft in the same
        transaction (they follow instead of filing).
        """
        require_private(actor)
        async with self._trail.db.transaction() as session:
            person = await self._trail.person(session, actor.telegram_id)
            ticket = await self._trail.ticket(session, ticket_no)
            if ticket.resident_id == person.id:
                raise InvalidInput("this is your own ticket")
            if not lifecycle.is_open(ticket.status):
                raise InvalidInput(f"ticket {ticket.number} is {ticket.status}")
            draft = await self._draft(session, actor)
            if ticket.number not in {s.number for s in await self._similar(session, draft)}:
                raise NotFound(f"ticket {ticket_no}")
            await repo.add_follower(session, ticket.id, person.id, self._trail.clock())
            if discard_draft:
                await repo.delete_draft(session, person.id)
            return await self._trail.resident_view(session, ticket, is_owner=False)

    async def _draft(self, session: AsyncSession, actor: Actor) -> FilingDraft:
        person = await self._trail.person(session, actor.telegram_id)
        draft = await repo.get_draft(session, person.id)
        if draft is None:
            raise NotFound("draft")
        return draft

    async def file_in(
        self, session: AsyncSession, filer: Resident, complaint: Complaint
    ) -> tuple[Ticket, TicketEvent]:
        """File ``complaint`` as ``filer``'s ticket inside the caller's transaction (a ticket
        recorded on behalf of a resident, services/tickets/on_behalf.py: checked there)."""
        return await self._file(session, filer, complaint)

    async def _file(
        self, session: AsyncSession, filer: Resident, complaint: Complaint
    ) -> tuple[Ticket, TicketEvent]:
        now = self._trail.clock()
        limits = get_category(complaint.category)
        period = now.astimezone(self._trail.calendar.tz).strftime("%y%m")
        response_due = self._trail.calendar.add_working_hours(now, limits.response_hours)
        resolution_due = self._trail.calendar.add_working_hours(now, limits.resolution_hours)
        # The month's counter row stays locked until commit (no gaps in numbers), so take the
        # number only when everything else is ready: concurrent filers wait less.
        community = community_of(complaint, _home_of(filer, complaint))
        sequence = await repo.next_sequence_value(session, period)
        ticket = await repo.add_ticket(
            session,
            number=ticket_number(period, sequence),
            category=complaint.category,
            status=TicketStatus.NEW.value,
            resident_id=filer.id,
            description=complaint.description,
            location_text=complaint.location_text,
            latitude=complaint.latitude,
            longitude=complaint.longitude,
            community=community,
            unit_id=route(complaint.category, community),
            photos=list(complaint.photos),
            phone=complaint.phone,
            anonymous=complaint.anonymous,
            channel=complaint.channel,
            on_behalf_name=complaint.on_behalf_name,
            created_at=now,
            updated_at=now,
            response_due_at=response_due,
            resolution_due_at=resolution_due,
        )
        bind_ticket(ticket.number)
        event = await self._trail.record(
            session,
            ticket,
            filer,
            EventKind.TRANSITION,
            to_status=TicketStatus.NEW.value,
            as_resident=True,
            filed=True,
        )
        await self._post_card(session, ticket, event, filer)
        return ticket, event

    async def _post_card(
        self, session: AsyncSession, ticket: Ticket, event: TicketEvent, filer: Resident
    ) -> None:
        """The new ticket's card in the staff chat: its details, photos and first actions."""
        await notify.to_staff_chat(
            session,
            ticket,
            event,
            self._trail.settings,
            "staff.card",
            notify.card_params(ticket, filer),
            buttons=notify.staff_buttons(ticket.id, ticket.status),
            photos=list(ticket.photos),
        )


def _home_of(filer: Resident, complaint: Complaint) -> str | None:
    """Where the filer lives, for a ticket whose place names no community; none for a
    ticket recorded on behalf of someone (代录): it is not about where its recorder lives."""
    return None if complaint.on_behalf_name else filer.community
