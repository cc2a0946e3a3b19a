"""Notices: officials compose a broadcast, preview its reach, schedule, confirm or cancel it.

Officials and admins only (checked on every call by the actor's Telegram id). A notice is a
draft until confirmed; confirming sends it now (its outbox rows are written in the same
transaction) or schedules it, and ``send_due_notices`` (called by the scheduler every minute)
queues scheduled notices whose time has come. Every step of composing moves the draft's
``updated_at``; ``expire_drafts`` discards drafts left alone too long and tells their authors.
Delivery figures come from the outbox rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.draft_expiry import tell_owners
from services.errors import InvalidInput, NotFound
from services.lengths import text_units
from services.notices.audience_places import check_place
from services.notices.fanout import count_waiting, notice_view, queue_notice, views_with_figures
from services.notices.subscriptions import TAG_MAX, get_topic
from services.notices.views import Audience, NoticePreview, NoticeView, require_official
from services.workdays.worktime import TIMEZONE
from storage import Database
from storage.models import AudienceKind, Notice, NoticeStatus
from storage.repositories import notice_outbox
from storage.repositories import notices as repo
from storage.repositories import residents as residents_repo

Clock = Callable[[], datetime]
MAX_TEXT = 4096  # Telegram's message limit
MAX_CAPTION = 1024  # Telegram's caption limit, when the notice has a photo
MAX_AHEAD = timedelta(days=366)  # further ahead is a typo, not a plan
DUE_BATCH = 20


def validate_text(text: str, photo_file_id: str | None) -> str:
    """The notice text, stripped; InvalidInput when empty or over Telegram's limit."""
    text = text.strip()
    if not text:
        raise InvalidInput("the notice text is empty")
    limit = MAX_CAPTION if photo_file_id else MAX_TEXT
    if text_units(text) > limit:
        what = "a notice with a photo" if photo_file_id else "a notice"
        raise InvalidInput(
            f"{what} has at most {limit} characters (this one has {text_units(text)})"
        )
    return text


def validate_audience(audience: Audience) -> Audience:
    """The audience with its value checked (known topic, non-empty tag); InvalidInput else."""
    try:
        kind = AudienceKind(audience.kind)
    except ValueError:
        known = ", ".join(k.value for k in AudienceKind)
        raise InvalidInput(f"unknown audience {audience.kind!r}; audiences are {known}") from None
    if kind in (AudienceKind.ALL, AudienceKind.STAFF):
        return Audience(kind.value)
    value = (audience.value or "").strip()
    if kind is AudienceKind.TOPIC:
        return Audience(kind.value, get_topic(value).id)
    if not value or len(value) > TAG_MAX:
        raise InvalidInput(f"a {kind.value} name of 1 to {TAG_MAX} characters is needed")
    check_place(Audience(kind.value, value))  # a place of the district's configuration
    return Audience(kind.value, value)


class NoticeService:
    """Broadcasts by officials and admins; ``send_due_notices`` is for the scheduler."""

    def __init__(
        self, db: Database, clock: Clock, default_language: str = "zh-Hans", tz: ZoneInfo = TIMEZONE
    ) -> None:
        self._db = db
        self._clock = clock
        self._default_language = default_language
        self.tz = tz

    async def create_draft(
        self, actor: int, text: str, photo_file_id: str | None = None
    ) -> NoticeView:
        """A new draft to everyone, sent on confirmation unless a time is set."""
        text = validate_text(text, photo_file_id)
        async with self._db.transaction() as session:
            author = await require_official(session, actor)
            notice = await repo.add_notice(
                session,
                author_telegram_id=author,
                text=text,
                photo_file_id=photo_file_id,
                audience_kind=AudienceKind.ALL.value,
                urgent=False,
                status=NoticeStatus.DRAFT.value,
                created_at=self._clock(),
            )
            return notice_view(notice)

    async def set_audience(self, actor: int, notice_id: int, audience: Audience) -> NoticeView:
        """Choose who the draft goes to (see Audience)."""
        audience = validate_audience(audience)
        async with self._db.transaction() as session:
            notice = await self._draft(session, actor, notice_id)
            notice.audience_kind, notice.audience_value = audience.kind, audience.value
            return notice_view(notice)

    async def set_urgent(self, actor: int, notice_id: int, urgent: bool) -> NoticeView:
        """Urgent notices (停水停电, safety) are sent during quiet hours too."""
        async with self._db.transaction() as session:
            notice = await self._draft(session, actor, notice_id)
            notice.urgent = urgent
            return notice_view(notice)

    async def set_send_at(self, actor: int, notice_id: int, send_at: datetime | None) -> NoticeView:
        """Send at ``send_at`` (timezone-aware, in the future) or, with None, on confirmation."""
        now = self._clock()
        if send_at is not None:
            _check_time(send_at, now)
        async with self._db.transaction() as session:
            notice = await self._draft(session, actor, notice_id)
            notice.send_at = send_at
            return notice_view(notice)

    async def preview(self, actor: int, notice_id: int) -> NoticePreview:
        """How many people the draft reaches, and how many would wait for quiet hours."""
        async with self._db.transaction() as session:
            notice = await self._draft(session, actor, notice_id)
            kind = AudienceKind(notice.audience_kind)
            recipients = await repo.list_recipients(session, kind, notice.audience_value)
            at = notice.send_at or self._clock()
            waiting = count_waiting(recipients, at=at, urgent=notice.urgent, tz=self.tz)
            return NoticePreview(notice_view(notice), len(recipients), waiting)

    async def confirm(self, actor: int, notice_id: int) -> NoticeView:
        """Send the draft now (rows queued before this returns) or schedule it for its time.

        A time that has passed while the official was deciding is refused (InvalidInput):
        they choose again rather than have a notice go out at a moment nobody picked.
        """
        now = self._clock()
        async with self._db.transaction() as session:
            notice = await self._draft(session, actor, notice_id)
            notice.confirmed_at = now
            if notice.send_at is not None:
                _check_time(notice.send_at, now)
                notice.status = NoticeStatus.SCHEDULED.value
                return notice_view(notice)
            await session.flush()
            claimed = await repo.claim_for_queueing(
                session, notice.id, from_status=NoticeStatus.DRAFT, now=now
            )
            assert claimed is not None  # the row is locked by _draft
            await self._queue(session, claimed, now)
            return (await views_with_figures(session, [claimed]))[0]

    async def cancel(self, actor: int, notice_id: int) -> NoticeView:
        """Stop a notice: a draft or scheduled one never goes out; a queued one's unsent rows
        are cancelled (messages already sent, or being sent this second, stay sent)."""
        now = self._clock()
        async with self._db.transaction() as session:
            await require_official(session, actor)
            notice = await repo.get_notice(session, notice_id, for_update=True)
            # Any official may stop a notice on its way out, but a draft is its author's.
            draft = notice is not None and notice.status == NoticeStatus.DRAFT.value
            if notice is None or (draft and notice.author_telegram_id != actor):
                raise NotFound(f"notice {notice_id}")
            if notice.status == NoticeStatus.CANCELLED.value:
                raise InvalidInput(f"notice {notice_id} is already cancelled")
            if notice.status == NoticeStatus.QUEUED.value:
                await notice_outbox.cancel_pending(session, notice.id)
            notice.status = NoticeStatus.CANCELLED.value
            notice.cancelled_at = notice.updated_at = now
            await session.flush()
            return (await views_with_figures(session, [notice]))[0]

    async def open_draft(self, actor: int) -> int | None:
        """The id of ``actor``'s newest open draft, if they have one (their own only)."""
        async with self._db.transaction() as session:
            return await repo.get_open_draft_id(session, actor)

    async def get(self, actor: int, notice_id: int) -> NoticeView:
        """One notice with its delivery figures."""
        async with self._db.transaction() as session:
            await require_official(session, actor)
            notice = await repo.get_notice(session, notice_id)
            if notice is None:
                raise NotFound(f"notice {notice_id}")
            return (await views_with_figures(session, [notice]))[0]

    async def list_notices(self, actor: int, limit: int = 20) -> list[NoticeView]:
        """The newest notices (drafts, scheduled, sending, finished, cancelled) with figures."""
        async with self._db.transaction() as session:
            await require_official(session, actor)
            notices = await repo.list_notices(session, limit=max(1, min(limit, 100)))
            return await views_with_figures(session, notices)

    async def send_due_notices(self, now: datetime | None = None) -> list[int]:
        """Queue every scheduled notice whose time has come; returns their ids.

        One transaction per notice (its status and all its rows): a crash leaves the
        notice scheduled and due, never half-queued. Safe to call from several processes.
        """
        now = now or self._clock()
        queued: list[int] = []
        while True:
            async with self._db.transaction() as session:
                due = await repo.list_due_notice_ids(session, now=now, limit=DUE_BATCH)
            for notice_id in due:
                async with self._db.transaction() as session:
                    notice = await repo.claim_for_queueing(
                        session, notice_id, from_status=NoticeStatus.SCHEDULED, now=now
                    )
                    if notice is not None:
                        await self._queue(session, notice, now)
                        queued.append(notice_id)
            if len(due) < DUE_BATCH:
                return queued

    async def expire_drafts(self, now: datetime, idle: timedelta) -> tuple[int, ...]:
        """Discard drafts untouched for longer than ``idle`` before ``now`` and queue one
        "broadcast.expired" message to each author, in one transaction; returns the authors'
        Telegram ids.

        A discarded draft becomes cancelled, as with /cancel, rather than deleted: its id is
        then never handed to a later draft, which an old preview's buttons could confirm.
        """
        async with self._db.transaction() as session:
            dropped = await repo.discard_idle_drafts(session, idle_since=now - idle, now=now)
            first: dict[int, int] = {}  # author -> their lowest discarded notice id
            for notice_id, author in sorted(dropped):
                if author is not None:
                    first.setdefault(author, notice_id)
            owners = []
            for author, notice_id in sorted(first.items()):
                person = await residents_repo.get_resident(session, author)
                if person is not None:
                    owners.append((person, f"notice:{notice_id}:expired"))
            await tell_owners(
                session,
                owners,
                message_key="broadcast.expired",
                idle=idle,
                default_language=self._default_language,
                now=now,
            )
            return tuple(sorted(first))

    async def _queue(self, session: AsyncSession, notice: Notice, now: datetime) -> None:
        await queue_notice(
            session, notice, now=now, tz=self.tz, default_language=self._default_language
        )

    async def _draft(self, session: AsyncSession, actor: int, notice_id: int) -> Notice:
        """The draft ``notice_id`` for one of its author's steps. A draft is its author's
        alone until confirmed: another official's button press (or a forged one) finds
        nothing, so it can neither change nor send it."""
        await require_official(session, actor)
        notice = await repo.get_notice(session, notice_id, for_update=True)
        if notice is None or notice.author_telegram_id != actor:
            raise NotFound(f"notice {notice_id}")
        if notice.status != NoticeStatus.DRAFT.value:
            raise InvalidInput(f"notice {notice_id} is {notice.status}, no longer a draft")
        notice.updated_at = self._clock()  # any step, a preview too, keeps the draft alive
        return notice


def _check_time(send_at: datetime, now: datetime) -> None:
    if send_at.tzinfo is None:
        raise InvalidInput("the sending time needs a timezone")
    if send_at <= now:
        raise InvalidInput("the sending time has passed: choose a time in the future")
    if send_at - now > MAX_AHEAD:
        raise InvalidInput("the sending time is more than a year ahead")
