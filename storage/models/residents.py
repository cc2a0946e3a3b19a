"""Residents: every Telegram user linli knows, with their language and role."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Enum, Integer, SmallInteger, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
"""Interface languages a resident can choose; None means "not chosen yet"."""


class Role(StrEnum):
    """What a person may do in linli; stored as its value (VARCHAR, no native enum)."""

    RESIDENT = "resident"
    STAFF = "staff"
    OFFICIAL = "official"
    ADMIN = "admin"


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
    # Notices and bulletins (services.subscriptions): where the resident lives, for audiences
    # by community or building; quiet hours as local minutes after midnight (start == end
    # means none); stopped = /stop, no notices or bulletins at all; asked = the topic question
    # was put to them once.
    community: Mapped[str | None] = mapped_column(String(64), index=True)
    building: Mapped[str | None] = mapped_column(String(64), index=True)
    quiet_start_minute: Mapped[int] = mapped_column(
        SmallInteger, default=22 * 60, server_default=text(str(22 * 60))
    )
    quiet_end_minute: Mapped[int] = mapped_column(
        SmallInteger, default=7 * 60, server_default=text(str(7 * 60))
    )
    notices_stopped: Mapped[bool] = mapped_column(default=False, server_default=false())
    subscriptions_asked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The community is an id of the district's configuration (services.district), the
    # building one of its buildings or grids; place_asked = the question was put once.
    place_asked: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"Resident(id={self.id}, telegram_id={self.telegram_id}, role={self.role})"
