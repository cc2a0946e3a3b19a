"""SQLAlchemy models, one module per group of tables; import everything from here.

Adding tables: write a module next to these (e.g. ``tickets.py``), import its classes
below, then run ``python -m storage.revision "add tickets"`` and review the revision it
writes. Everything imported here is what Alembic compares with the database, and
tests/storage/test_migrations.py fails if a module in this folder is left out.
Times are timezone-aware UTC datetimes on SQLite and PostgreSQL alike (UTCDateTime).
"""

from storage.models.awaiting import Awaiting
from storage.models.bans import ResidentBan
from storage.models.base import NAMING_CONVENTION, Base, UTCDateTime
from storage.models.canned import CannedReply
from storage.models.chat_queue import QueuedUpdate, UpdateWatermark
from storage.models.extensions import ExtensionStatus, TicketExtension
from storage.models.notices import (
    AudienceKind,
    Bulletin,
    Notice,
    NoticeStatus,
    Recurrence,
    Subscription,
)
from storage.models.outbox import PRIORITY_BULK, PRIORITY_PERSONAL, OutboxMessage, OutboxStatus
from storage.models.query_log import (
    DECISION_ANSWER,
    DECISION_EMERGENCY,
    DECISION_NONE,
    DECISION_PERSON,
    DECISION_SUGGEST,
    QueryLog,
)
from storage.models.residents import LANGUAGES, Resident, Role
from storage.models.tickets import (
    OPEN_STATUSES,
    STAFF_ONLY_EVENTS,
    EventKind,
    FilingDraft,
    RecordingDraft,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketSequence,
    TicketStatus,
)

__all__ = [
    "DECISION_ANSWER",
    "DECISION_EMERGENCY",
    "DECISION_NONE",
    "DECISION_PERSON",
    "DECISION_SUGGEST",
    "LANGUAGES",
    "NAMING_CONVENTION",
    "OPEN_STATUSES",
    "PRIORITY_BULK",
    "PRIORITY_PERSONAL",
    "STAFF_ONLY_EVENTS",
    "AudienceKind",
    "Awaiting",
    "Base",
    "Bulletin",
    "CannedReply",
    "EventKind",
    "ExtensionStatus",
    "FilingDraft",
    "Notice",
    "NoticeStatus",
    "OutboxMessage",
    "OutboxStatus",
    "QueryLog",
    "QueuedUpdate",
    "RecordingDraft",
    "Recurrence",
    "Resident",
    "ResidentBan",
    "Role",
    "Subscription",
    "Ticket",
    "TicketEvent",
    "TicketExtension",
    "TicketFollower",
    "TicketSequence",
    "TicketStatus",
    "UTCDateTime",
    "UpdateWatermark",
]
