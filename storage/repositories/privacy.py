"""What linli holds about one person, erasing it, and the retention sweep.

Functions take the session of the caller's transaction and never commit. Erasing keeps the
rows that the figures count (tickets, their trail, the query log's decisions) and empties
the words and contact details in them, so the figures stay as they were.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    STAFF_ONLY_EVENTS,
    Awaiting,
    FilingDraft,
    OutboxMessage,
    QueryLog,
    Resident,
    Subscription,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketStatus,
)
from storage.models.outbox import OutboxStatus

ERASED = "（已删除）"
"""What an erased description or place reads as: neutral, the same in every language."""
# A ticket's words in the parameters of a message still waiting to be sent (a staff card,
# a follow-up, a rating comment): what each becomes, so the message still renders.
_ERASED_PARAMS: dict[str, object] = {
    "description": ERASED,
    "location": "",
    "latitude": None,
    "longitude": None,
    "resident": "",
    "phone": "",
    "name": "",  # 代录: the caller's name in a "pass this on" message
    "on_behalf_name": "",
    "update": {},
    "photo_count": 0,
    "text": ERASED,
    "comment": "",
}


async def list_tickets_of(session: AsyncSession, resident_id: int) -> list[Ticket]:
    """The tickets a resident filed, oldest first."""
    stmt = select(Ticket).where(Ticket.resident_id == resident_id).order_by(Ticket.id)
    return list(await session.scalars(stmt))


async def list_public_events(session: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    """A ticket's trail as its filer sees it: every event but staff-only notes."""
    stmt = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id)
        .where(TicketEvent.kind.not_in([k.value for k in STAFF_ONLY_EVENTS]))
        .order_by(TicketEvent.at, TicketEvent.id)
    )
    return list(await session.scalars(stmt))


async def list_followed(session: AsyncSession, resident_id: int) -> list[Ticket]:
    """The tickets a resident follows (filed by someone else)."""
    stmt = (
        select(Ticket)
        .join(TicketFollower, TicketFollower.ticket_id == Ticket.id)
        .where(TicketFollower.resident_id == resident_id)
        .order_by(Ticket.id)
    )
    return list(await session.scalars(stmt))


async def list_questions(session: AsyncSession, resident_id: int) -> list[QueryLog]:
    """The questions a resident asked, oldest first."""
    stmt = select(QueryLog).where(QueryLog.resident_id == resident_id)
    return list(await session.scalars(stmt.order_by(QueryLog.asked_at, QueryLog.id)))


async def list_subscribed_topics(session: AsyncSession, resident_id: int) -> list[str]:
    """The topics a resident subscribed to."""
    stmt = select(Subscription.topic).where(Subscription.resident_id == resident_id)
    return sorted(await session.scalars(stmt))


def _to_person(resident: Resident) -> ColumnElement[bool]:
    return or_(
        OutboxMessage.telegram_id == resident.telegram_id,
        OutboxMessage.chat_id == resident.chat_id,
    )


async def list_pending_to(session: AsyncSession, resident: Resident) -> list[OutboxMessage]:
    """Messages to this person that have not been sent yet."""
    stmt = (
        select(OutboxMessage)
        .where(_to_person(resident))
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]))
        .order_by(OutboxMessage.id)
    )
    return list(await session.scalars(stmt))


async def anonymise_tickets(session: AsyncSession, ticket_ids: list[int]) -> int:
    """Empty the personal fields of these tickets; category, status, times and score stay."""
    if not ticket_ids:
        return 0
    await session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ticket_ids))
        .values(
            description=ERASED,
            location_text=None,
            latitude=None,
            longitude=None,
            phone=None,
            on_behalf_name=None,  # 代录: the caller's name is theirs, like the phone
            photos=[],
            rating_comment=None,
        )
        .execution_options(synchronize_session=False)
    )
    # The staff's cards and the filer's follow-ups carried the same words: keep the rows
    # (delivery figures), drop their parameters once they are no longer waiting to be sent,
    # and empty the personal ones of those still waiting.
    waiting = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.ticket_id.in_(ticket_ids))
        .where(OutboxMessage.status == OutboxStatus.PENDING.value)
    )
    for message in waiting:
        message.params = {k: _ERASED_PARAMS.get(k, v) for k, v in message.params.items()}
        message.photos = None
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ticket_id.in_(ticket_ids))
        .where(OutboxMessage.status.not_in([OutboxStatus.PENDING.value, "sending"]))
        .values(params={}, photos=None)
        .execution_options(synchronize_session=False)
    )
    return len(ticket_ids)


async def erase_person(
    session: AsyncSession, resident: Resident, *, now: datetime
) -> tuple[int, int, int]:
    """Erase one person: their words, contacts, subscriptions and what linli owed them.

    Returns how many tickets were anonymised, questions emptied and messages cancelled.

    Their tickets keep their place in the figures (see anonymise_tickets); the resident row
    keeps its id and community (the figures group by it), and gets a placeholder Telegram
    id, so nothing left points back to the person.
    """
    tickets = [t.id for t in await list_tickets_of(session, resident.id)]
    await anonymise_tickets(session, tickets)
    if tickets:  # no name to print in the admins' report with personal data either
        await session.execute(update(Ticket).where(Ticket.id.in_(tickets)).values(anonymous=True))
    await session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id.in_(tickets))
        .where(TicketEvent.actor_telegram_id == resident.telegram_id)
        .values(public_message=None, actor_telegram_id=-resident.id)
        .execution_options(synchronize_session=False)
    )
    questions = await session.execute(
        update(QueryLog)
        .where(QueryLog.resident_id == resident.id)
        .values(raw_text="", normalized_text="", resident_id=None)
        .returning(QueryLog.id)
        .execution_options(synchronize_session=False)
    )
    erased = len(questions.all())
    for model in (Subscription, TicketFollower, FilingDraft):
        await session.execute(delete(model).where(model.resident_id == resident.id))
    await session.execute(delete(Awaiting).where(Awaiting.telegram_id == resident.telegram_id))
    to_person = _to_person(resident)
    cancelled = await session.execute(
        update(OutboxMessage)
        .where(to_person)
        .where(OutboxMessage.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.CANCELLED.value, last_error="forgotten")
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    cancelled_count = len(cancelled.all())
    await session.execute(
        update(OutboxMessage)
        .where(to_person)
        .where(OutboxMessage.status != "sending")
        .values(params={}, photos=None, telegram_id=None, chat_id=-resident.id)
        .execution_options(synchronize_session=False)
    )
    resident.telegram_id = -resident.id
    resident.chat_id = -resident.id
    resident.display_name = ""
    resident.language = None
    resident.building = None
    resident.active = False
    resident.notices_stopped = True
    resident.first_seen = resident.last_seen = now
    await session.flush()
    return len(tickets), erased, cancelled_count


async def erase_old_question_text(session: AsyncSession, before: datetime) -> int:
    """Empty the words of questions asked before ``before``; decisions and feedback stay."""
    result = await session.execute(
        update(QueryLog)
        .where(QueryLog.asked_at < before, QueryLog.raw_text != "")
        .values(raw_text="", normalized_text="")
        .returning(QueryLog.id)
    )
    return len(result.all())


async def anonymise_closed_before(session: AsyncSession, before: datetime) -> int:
    """Anonymise tickets that ended (closed, rejected or merged) before ``before``."""
    ended = or_(
        Ticket.closed_at < before,
        (Ticket.status.in_([TicketStatus.REJECTED, TicketStatus.MERGED]))
        & (Ticket.updated_at < before),
    )
    stmt = select(Ticket.id).where(ended, Ticket.description != ERASED)
    ids = list(await session.scalars(stmt))
    return await anonymise_tickets(session, ids)
