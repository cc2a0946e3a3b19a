"""Records of the notices area handed to handlers and the CLI, and who may act on notices.

Every record is a frozen dataclass (never an ORM object). ``Actor`` is either a Telegram user
id, checked to be an official or admin, or ``OPERATOR``: the person at the command line, who
needs no role because they already hold the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import PermissionDenied
from storage import Role
from storage.repositories import residents as residents_repo

OFFICIAL_ROLES = frozenset({Role.OFFICIAL, Role.ADMIN})


class Operator(Enum):
    """The operator on the command line (``linli bulletin ...``)."""

    CLI = "cli"


OPERATOR = Operator.CLI
Actor = int | Operator
"""Who performs an official action: a Telegram user id, or OPERATOR."""


async def require_official(session: AsyncSession, actor: Actor) -> int | None:
    """The actor's Telegram id if they are an official or admin (None for OPERATOR).

    Raises PermissionDenied for anyone else, residents and staff included.
    """
    if isinstance(actor, Operator):
        return None
    person = await residents_repo.get_resident(session, actor)
    if person is None or Role(person.role) not in OFFICIAL_ROLES:
        raise PermissionDenied("official, admin")
    return actor


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a notice or bulletin reaches.

    ``kind`` is "all" (every active resident who did not /stop), "topic" (subscribers of the
    topic id in ``value``), "community" / "building" (residents with that tag in ``value``)
    or "staff" (staff, officials and admins: work messages, sent even to those who /stop).
    """

    kind: str
    value: str | None = None

    @classmethod
    def everyone(cls) -> Audience:
        return cls("all")

    @classmethod
    def topic(cls, topic_id: str) -> Audience:
        return cls("topic", topic_id)

    @classmethod
    def community(cls, tag: str) -> Audience:
        return cls("community", tag)

    @classmethod
    def building(cls, tag: str) -> Audience:
        return cls("building", tag)

    @classmethod
    def staff(cls) -> Audience:
        return cls("staff")


@dataclass(frozen=True, slots=True)
class DeliveryFigures:
    """A notice's outbox rows by outcome.

    ``pending`` counts rows waiting (quiet hours included) or being sent; ``failed`` rows the
    worker gave up on; ``blocked`` rows for residents who blocked linli; ``cancelled`` rows
    stopped by a cancel before they were sent.
    """

    total: int = 0
    sent: int = 0
    pending: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0


@dataclass(frozen=True, slots=True)
class NoticeView:
    """One notice as officials see it in /notices.

    ``status`` is what is stored (draft, scheduled, queued, cancelled); ``state`` is what to
    show: draft, scheduled, sending (rows still pending), finished, or cancelled.
    """

    id: int
    text: str
    photo_file_id: str | None
    audience: Audience
    urgent: bool
    status: str
    state: str
    send_at: datetime | None
    created_at: datetime
    queued_at: datetime | None
    cancelled_at: datetime | None
    recipients: int | None
    author_telegram_id: int | None
    bulletin_id: int | None
    figures: DeliveryFigures


@dataclass(frozen=True, slots=True)
class NoticePreview:
    """What confirming would do: how many people get it, how many wait for quiet hours.

    ``waiting`` is counted at the notice's time (now when it has none); urgent notices
    never wait.
    """

    notice: NoticeView
    recipients: int
    waiting: int


@dataclass(frozen=True, slots=True)
class BulletinView:
    """A regular bulletin's definition and schedule.

    ``weekday`` is 0 for Monday (weekly bulletins); ``day_of_month`` is used by monthly and
    quarterly ones (quarterly: in January, April, July and October; clamped to short months).
    """

    id: int
    name: str
    recurrence: str
    at: time
    weekday: int | None
    day_of_month: int | None
    audience: Audience
    template: str
    author_telegram_id: int | None
    created_at: datetime
    next_run_at: datetime
    last_run_at: datetime | None
