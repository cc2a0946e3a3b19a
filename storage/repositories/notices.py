"""Notices and their audiences: who a notice reaches, and the scheduler's due list.

Functions take the caller's session and never commit. Recipient queries return plain
tuples (no ORM objects) because a district-wide notice selects tens of thousands of rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AudienceKind, Notice, NoticeStatus, Resident, Role, Subscription
from storage.repositories import names_a_row

_STAFF_ROLES = (Role.STAFF, Role.OFFICIAL, Role.ADMIN)
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


class Recipient(NamedTuple):
    """One person a notice is written for, with what the fan-out needs to know."""

    telegram_id: int
    chat_id: int
    language: str | None
    quiet_start_minute: int
    quiet_end_minute: int


def _audience_filter(stmt: _Query, kind: AudienceKind, value: str | None) -> _Query:
    """Narrow a SELECT over residents to an audience (active people only).

    /stop (notices_stopped) removes a resident from every audience except staff: notices to
    staff are work messages, not bulletins.
    """
    stmt = stmt.where(Resident.active.is_(True))
    if kind is AudienceKind.STAFF:
        return stmt.where(Resident.role.in_(_STAFF_ROLES))
    stmt = stmt.where(Resident.notices_stopped.is_(False))
    if kind is AudienceKind.TOPIC:
        subscribed = select(Subscription.resident_id).where(Subscription.topic == value)
        return stmt.where(Resident.id.in_(subscribed))
    if kind is AudienceKind.COMMUNITY:
        return stmt.where(Resident.community == value)
    if kind is AudienceKind.BUILDING:
        # "<community id>/<building>": the building of that community (services.notices.
        # audience_places); a value without "/" is a building tag of before 0010.
        community, sep, building = (value or "").partition("/")
        if sep:
            return stmt.where(Resident.community == community, Resident.building == building)
        return stmt.where(Resident.building == value)
    return stmt


async def count_recipients(session: AsyncSession, kind: AudienceKind, value: str | None) -> int:
    """How many people the audience reaches right now."""
    stmt = _audience_filter(select(func.count()).select_from(Resident), kind, value)
    return int(await session.scalar(stmt) or 0)


async def list_recipients(
    session: AsyncSession, kind: AudienceKind, value: str | None
) -> list[Recipient]:
    """Everyone the audience reaches right now, ordered by resident id."""
    columns = select(
        Resident.telegram_id,
        Resident.chat_id,
        Resident.language,
        Resident.quiet_start_minute,
        Resident.quiet_end_minute,
    ).order_by(Resident.id)
    rows = await session.execute(_audience_filter(columns, kind, value))
    return [Recipient._make(row) for row in rows]


async def add_notice(session: AsyncSession, **fields: Any) -> Notice:
    """Insert a notice (fields as in storage.models.Notice) and return it with its id;
    ``updated_at`` defaults to ``created_at``."""
    notice = Notice(**{"updated_at": fields.get("created_at"), **fields})
    session.add(notice)
    await session.flush()
    return notice


async def get_notice(
    session: AsyncSession, notice_id: int, *, for_update: bool = False
) -> Notice | None:
    """The notice with this id, or None; ``for_update`` locks its row until commit.

    The lock makes a change (cancel, edit) wait for a fan-out running at the same moment,
    so it sees the notice as the fan-out left it.
    """
    if not names_a_row(notice_id):
        return None
    return await session.get(
        Notice, notice_id, with_for_update=for_update, populate_existing=for_update
    )


async def list_notices(session: AsyncSession, *, limit: int) -> list[Notice]:
    """The newest notices first (drafts included)."""
    stmt = select(Notice).order_by(Notice.id.desc()).limit(limit)
    return list(await session.scalars(stmt))


async def list_due_notice_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Scheduled notices whose time has come, oldest first."""
    stmt = (
        select(Notice.id)
        .where(Notice.status == NoticeStatus.SCHEDULED.value, Notice.send_at <= now)
        .order_by(Notice.send_at, Notice.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def claim_for_queueing(
    session: AsyncSession, notice_id: int, *, from_status: NoticeStatus, now: datetime
) -> Notice | None:
    """Move a notice from ``from_status`` to queued; None if it is no longer in that status.

    The conditional UPDATE is the guard against two schedulers (or a confirm racing the
    scheduler) fanning one notice out twice: on PostgreSQL the second waits for the first
    transaction and then matches nothing.
    """
    stmt = (
        update(Notice)
        .where(Notice.id == notice_id, Notice.status == from_status.value)
        .values(status=NoticeStatus.QUEUED.value, queued_at=now, updated_at=now)
        .returning(Notice)
    )
    result = await session.scalars(stmt, execution_options={"populate_existing": True})
    return result.first()


async def discard_idle_drafts(
    session: AsyncSession, *, idle_since: datetime, now: datetime
) -> list[tuple[int, int | None]]:
    """Cancel every draft last changed before ``idle_since``; returns (id, author) of each.

    The age is checked in the UPDATE itself, so a draft changed at this very moment is kept:
    on PostgreSQL the UPDATE waits for the row lock of that change and then re-reads the row.
    """
    stmt = (
        update(Notice)
        .where(Notice.status == NoticeStatus.DRAFT.value, Notice.updated_at < idle_since)
        .values(status=NoticeStatus.CANCELLED.value, cancelled_at=now, updated_at=now)
        .returning(Notice.id, Notice.author_telegram_id)
        .execution_options(synchronize_session=False)
    )
    return [(notice_id, author) for notice_id, author in await session.execute(stmt)]


async def get_open_draft_id(session: AsyncSession, author_telegram_id: int) -> int | None:
    """The id of this author's newest draft, if they have one."""
    found: int | None = await session.scalar(
        select(Notice.id)
        .where(Notice.status == NoticeStatus.DRAFT.value)
        .where(Notice.author_telegram_id == author_telegram_id)
        .order_by(Notice.id.desc())
        .limit(1)
    )
    return found
