"""Turning a notice into outbox rows (one per recipient), and reading its figures.

Both the notice service (confirm, scheduled notices) and bulletins call ``queue_notice``
inside the transaction that moves the notice to "queued": the status and every row commit
together, so after a crash a notice has either all its rows or none and is still due.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.notices.subscriptions import release_time
from services.notices.views import Audience, DeliveryFigures, NoticeView
from storage.models import AudienceKind, Notice, NoticeStatus, OutboxStatus
from storage.repositories import notice_outbox
from storage.repositories import notices as repo
from storage.repositories.notice_outbox import NoticeRow
from storage.repositories.notices import Recipient

NOTICE_KEY = "notice.body"
"""Catalog key of every notice and bulletin message: the text as written, ``{text}``."""


def _rows(
    recipients: Sequence[Recipient],
    *,
    now: datetime,
    urgent: bool,
    tz: ZoneInfo,
    default_language: str,
) -> Iterator[NoticeRow]:
    # Few residents change their quiet hours: compute each distinct pair once.
    releases: dict[tuple[int, int], datetime] = {}
    for person in recipients:
        pair = (person.quiet_start_minute, person.quiet_end_minute)
        not_before = now
        if not urgent:
            if pair not in releases:
                releases[pair] = release_time(now, *pair, tz)
            not_before = releases[pair]
        yield NoticeRow(
            chat_id=person.chat_id,
            telegram_id=person.telegram_id,
            language=person.language or default_language,
            not_before=not_before,
        )


async def queue_notice(
    session: AsyncSession, notice: Notice, *, now: datetime, tz: ZoneInfo, default_language: str
) -> int:
    """Write the notice's outbox rows for its audience as it is now; returns the row count.

    Rows already written (same ``notice:<id>:<chat_id>`` key) are kept, not duplicated.
    """
    recipients = await repo.list_recipients(
        session, AudienceKind(notice.audience_kind), notice.audience_value
    )
    rows = _rows(
        recipients, now=now, urgent=notice.urgent, tz=tz, default_language=default_language
    )
    await notice_outbox.add_notice_messages(
        session,
        notice_id=notice.id,
        rows=rows,
        message_key=NOTICE_KEY,
        params={"text": notice.text},
        photos=[notice.photo_file_id] if notice.photo_file_id else None,
        now=now,
    )
    notice.recipients = await notice_outbox.count_notice_messages(session, notice.id)
    return notice.recipients


def count_waiting(
    recipients: Sequence[Recipient], *, at: datetime, urgent: bool, tz: ZoneInfo
) -> int:
    """How many of ``recipients`` would wait for the end of their quiet hours at ``at``."""
    if urgent:
        return 0
    rows = _rows(recipients, now=at, urgent=False, tz=tz, default_language="")
    return sum(1 for row in rows if row.not_before > at)


def figures_from(counts: dict[str, int]) -> DeliveryFigures:
    """DeliveryFigures from notice_outbox.delivery_counts' per-status numbers."""
    return DeliveryFigures(
        total=sum(counts.values()),
        sent=counts.get(OutboxStatus.SENT.value, 0),
        pending=counts.get(OutboxStatus.PENDING.value, 0)
        + counts.get(OutboxStatus.SENDING.value, 0),
        failed=counts.get(OutboxStatus.DEAD.value, 0),
        blocked=counts.get("blocked", 0),
        cancelled=counts.get(OutboxStatus.CANCELLED.value, 0),
    )


def notice_view(notice: Notice, figures: DeliveryFigures | None = None) -> NoticeView:
    """The frozen record of a notice (figures default to none yet)."""
    figures = figures or DeliveryFigures()
    state = notice.status
    if notice.status == NoticeStatus.QUEUED.value:
        state = "sending" if figures.pending else "finished"
    return NoticeView(
        id=notice.id,
        text=notice.text,
        photo_file_id=notice.photo_file_id,
        audience=Audience(notice.audience_kind, notice.audience_value),
        urgent=notice.urgent,
        status=notice.status,
        state=state,
        send_at=notice.send_at,
        created_at=notice.created_at,
        queued_at=notice.queued_at,
        cancelled_at=notice.cancelled_at,
        recipients=notice.recipients,
        author_telegram_id=notice.author_telegram_id,
        bulletin_id=notice.bulletin_id,
        figures=figures,
    )


async def views_with_figures(session: AsyncSession, notices: Sequence[Notice]) -> list[NoticeView]:
    """Views of ``notices`` with their delivery figures, in one query."""
    counts = await notice_outbox.delivery_counts(session, [n.id for n in notices])
    return [notice_view(n, figures_from(counts.get(n.id, {}))) for n in notices]
