"""SQLAlchemy models. Every change here ships with an Alembic revision in migrations/versions/.

Times are timezone-aware UTC datetimes on both SQLite and PostgreSQL (see UTCDateTime).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names are part of the schema: Alembic needs them to alter or drop constraints,
# and SQLite has no names of its own to fall back on.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
"""Interface languages a resident can choose; None means "not chosen yet"."""

DECISION_ANSWER = "answer"
DECISION_SUGGEST = "suggest"
DECISION_NONE = "none"


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no offset, so values are converted to UTC on the way in and tagged UTC on
    the way out; naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Role(StrEnum):
    """What a person may do in linli; stored as its value (VARCHAR, no native enum)."""

    RESIDENT = "resident"
    STAFF = "staff"
    OFFICIAL = "official"
    ADMIN = "admin"


class Base(DeclarativeBase):
    """Declarative base carrying the shared metadata and its naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Resident(Base):
    """A Telegram user who has written to linli (or was given a role by an admin)."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=16,
            values_callable=lambda roles: [role.value for role in roles],
        ),
        default=Role.RESIDENT,
    )
    active: Mapped[bool] = mapped_column(default=True)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]

    def __repr__(self) -> str:
        return f"Resident(id={self.id}, telegram_id={self.telegram_id}, role={self.role})"


class QueryLog(Base):
    """One question a resident asked, what linli decided, and the resident's 👍/👎."""

    __tablename__ = "query_log"
    __table_args__ = (CheckConstraint("feedback IN (-1, 1)", name="feedback"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(index=True)
    raw_text: Mapped[str] = mapped_column(Text)
    normalized_text: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16), index=True)
    entry_id: Mapped[str | None] = mapped_column(String(128))
    score: Mapped[float]
    # [{"entry_id": str, "score": float}, ...] best first, as the matcher ranked them.
    candidates: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    feedback: Mapped[int | None] = mapped_column(SmallInteger)
    feedback_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"QueryLog(id={self.id}, decision={self.decision!r}, entry_id={self.entry_id!r})"
