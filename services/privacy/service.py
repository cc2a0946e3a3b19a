"""Use cases about a person's own data: see it all, erase it, and keep it only so long.

Erasing keeps what the figures count (services.reports): tickets keep their category,
status, times, rating score and the shape of their trail; the query log keeps decisions and
feedback. What the person wrote, where they live, their phone and photos go.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from services.errors import NotFound, PermissionDenied
from services.privacy.views import (
    FollowedData,
    ForgetResult,
    PendingData,
    ProfileData,
    QuestionData,
    ResidentData,
    RetentionResult,
    TicketData,
    TimelineEntry,
)
from services.residents.service import ResidentService
from storage import Database, Role
from storage.models import Resident, Ticket
from storage.repositories import privacy as repo
from storage.repositories import residents as people

Clock = Callable[[], datetime]
SAME_SECOND = timedelta(seconds=1)
"""Telegram gives a message's time to the second: a record begun within the second of a
question is not taken as begun after it."""


class RoleHeld(PermissionDenied):
    """Staff, officials and admins keep their records while they hold a role."""


class PrivacyService:
    """What residents (and the operator for them) do with the data linli holds."""

    def __init__(
        self, db: Database, clock: Clock, residents: ResidentService, retention_days: int = 0
    ) -> None:
        self._db = db
        self._clock = clock
        self._residents = residents
        self.retention_days = retention_days

    async def export(self, telegram_id: int) -> ResidentData:
        """Everything linli holds about this person; NotFound if it holds nothing."""
        async with self._db.transaction() as session:
            person = await people.get_resident(session, telegram_id)
            if person is None:
                raise NotFound("resident")
            tickets = []
            for ticket in await repo.list_tickets_of(session, person.id):
                events = await repo.list_public_events(session, ticket.id)
                timeline = tuple(
                    TimelineEntry(e.at, e.kind, e.to_status, e.public_message) for e in events
                )
                tickets.append(_ticket(ticket, timeline))
            followed = await repo.list_followed(session, person.id)
            questions = await repo.list_questions(session, person.id)
            pending = await repo.list_pending_to(session, person)
            topics = await repo.list_subscribed_topics(session, person.id)
            return ResidentData(
                profile=_profile(person, tuple(topics)),
                tickets=tuple(tickets),
                followed=tuple(FollowedData(t.number, t.status) for t in followed),
                questions=tuple(
                    QuestionData(q.raw_text, q.asked_at, q.decision, q.feedback) for q in questions
                ),
                pending_messages=tuple(PendingData(m.message_key, m.created_at) for m in pending),
            )

    async def check_can_forget(self, telegram_id: int) -> None:
        """RoleHeld for staff, officials and admins; NotFound for a stranger."""
        async with self._db.transaction() as session:
            _forgettable(await people.get_resident(session, telegram_id))

    async def erased_since(self, telegram_id: int, asked_at: datetime) -> bool:
        """Whether this person's record began after ``asked_at`` (a /forget question's time,
        to the second): their data was erased since, and they came back (a second tap on the
        same question)."""
        async with self._db.transaction() as session:
            person = await people.get_resident(session, telegram_id)
        return person is not None and person.first_seen > asked_at + SAME_SECOND

    async def forget(self, caller_id: int, chat_id: int, subject_id: int) -> ForgetResult:
        """The confirmation press of /forget: only the person themself, in their private chat."""
        if caller_id != subject_id or chat_id != caller_id:
            raise PermissionDenied("only the person themself, in their private chat")
        return await self._erase(subject_id, operator=False)

    async def forget_by_operator(self, telegram_id: int) -> ForgetResult:
        """``linli resident forget``: the operator erases anyone (a role is removed too)."""
        return await self._erase(telegram_id, operator=True)

    async def _erase(self, telegram_id: int, *, operator: bool) -> ForgetResult:
        async with self._db.transaction() as session:
            person = await people.get_resident(session, telegram_id)
            if operator:
                if person is None:
                    raise NotFound("resident")
                person.role = Role.RESIDENT
            person = _forgettable(person)
            counts = await repo.erase_person(session, person, now=self._clock())
        self._residents.forget(telegram_id)
        return ForgetResult(*counts)

    async def apply_retention(self, now: datetime | None = None) -> RetentionResult:
        """Empty question texts and closed tickets' personal fields older than the setting
        (LINLI_RETENTION_DAYS; 0 keeps them), the way /forget empties them."""
        if self.retention_days <= 0:
            return RetentionResult(0, 0)
        before = (now or self._clock()) - timedelta(days=self.retention_days)
        async with self._db.transaction() as session:
            questions = await repo.erase_old_question_text(session, before)
            tickets = await repo.anonymise_closed_before(session, before)
            return RetentionResult(questions, tickets)


def _forgettable(person: Resident | None) -> Resident:
    if person is None:
        raise NotFound("resident")
    if person.role != Role.RESIDENT:
        raise RoleHeld(str(person.role))
    return person


def _clock_text(minute: int) -> str:
    return time(minute // 60, minute % 60).strftime("%H:%M")


def _profile(person: Resident, topics: tuple[str, ...]) -> ProfileData:
    quiet = None
    if person.quiet_start_minute != person.quiet_end_minute:
        quiet = f"{_clock_text(person.quiet_start_minute)}-{_clock_text(person.quiet_end_minute)}"
    return ProfileData(
        telegram_id=person.telegram_id,
        display_name=person.display_name,
        language=person.language,
        role=str(person.role.value if isinstance(person.role, Role) else person.role),
        community=person.community,
        building=person.building,
        quiet_hours=quiet,
        notices_stopped=person.notices_stopped,
        subscriptions=topics,
        first_seen=person.first_seen,
        last_seen=person.last_seen,
    )


def _ticket(ticket: Ticket, timeline: tuple[TimelineEntry, ...]) -> TicketData:
    return TicketData(
        number=ticket.number,
        category=ticket.category,
        status=ticket.status,
        created_at=ticket.created_at,
        description=ticket.description,
        place=ticket.location_text,
        phone=ticket.phone,
        photos=len(ticket.photos or []),
        anonymous=ticket.anonymous,
        timeline=timeline,
        rating_solved=ticket.rating_solved,
        rating_score=ticket.rating_score,
        rating_comment=ticket.rating_comment,
    )
