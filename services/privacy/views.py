"""What linli holds about one person, as plain records and as one JSON document."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ProfileData:
    telegram_id: int
    display_name: str
    language: str | None
    role: str
    community: str | None
    building: str | None
    quiet_hours: str | None  # "22:00-07:00", None when there are none
    notices_stopped: bool
    subscriptions: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    to_status: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class TicketData:
    number: str
    category: str
    status: str
    created_at: datetime
    description: str
    place: str | None
    phone: str | None
    photos: int
    anonymous: bool
    timeline: tuple[TimelineEntry, ...]
    rating_solved: bool | None
    rating_score: int | None
    rating_comment: str | None


@dataclass(frozen=True, slots=True)
class FollowedData:
    number: str
    status: str


@dataclass(frozen=True, slots=True)
class QuestionData:
    text: str
    asked_at: datetime
    decision: str
    feedback: int | None


@dataclass(frozen=True, slots=True)
class PendingData:
    message_key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ResidentData:
    """Everything linli holds about one person (/mydata, ``linli resident export``)."""

    profile: ProfileData
    tickets: tuple[TicketData, ...]
    followed: tuple[FollowedData, ...]
    questions: tuple[QuestionData, ...]
    pending_messages: tuple[PendingData, ...]

    def to_json(self) -> str:
        """The whole record as an indented JSON document (times in ISO 8601, UTC)."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class ForgetResult:
    """What erasing a person did; the figures' rows were kept (see the README)."""

    tickets_anonymised: int
    questions_erased: int
    messages_cancelled: int


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What one retention sweep emptied."""

    questions_erased: int
    tickets_anonymised: int
