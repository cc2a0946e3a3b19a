"""Use cases about people: registering residents, their language, and roles."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

from services.errors import InvalidInput, NotFound, PermissionDenied
from services.group_commit import GroupCommit
from services.residents.languages import LANGUAGES, language_from_client
from services.views import ResidentView
from storage import Database, Role
from storage.models import Resident
from storage.repositories import residents as repo
from storage.repositories.residents import Arrival

Clock = Callable[[], datetime]
STAFF_ROLES = frozenset({Role.STAFF, Role.OFFICIAL, Role.ADMIN})
# Every update registers its sender. Within this many seconds an unchanged person is served
# from memory instead of a write per message; last_seen is therefore accurate to this much.
REFRESH_SECONDS = 300.0


NAME_MAX = 128
"""The longest display name kept (Telegram's first and last name together fit)."""


class ResidentService:
    """Everything that reads or changes a person's record."""

    def __init__(self, db: Database, clock: Clock, default_language: str) -> None:
        self._db = db
        self._clock = clock
        self._default_language = default_language
        self._recent: dict[int, tuple[ResidentView, float]] = {}
        self._arrivals = GroupCommit(self._register)

    async def register(
        self, telegram_id: int, chat_id: int, display_name: str, language_code: str | None
    ) -> ResidentView:
        """Create or refresh the person who just wrote to linli (called on every update)."""
        recent = self._recent.get(telegram_id)
        if recent is not None:
            view, at = recent
            fresh = time.monotonic() - at < REFRESH_SECONDS
            if fresh and view.chat_id == chat_id and view.display_name == display_name[:NAME_MAX]:
                return view
        view = await self._upsert(telegram_id, chat_id, display_name, language_code)
        self._recent[telegram_id] = (view, time.monotonic())
        return view

    def forget(self, telegram_id: int) -> None:
        """Drop the remembered record, so the person's next update is written through.

        Call after changing the record behind this service's back (the delivery worker
        marking someone inactive): otherwise their next message within REFRESH_SECONDS
        would be served from memory and the record would stay as it was changed.
        """
        self._recent.pop(telegram_id, None)

    async def _upsert(
        self, telegram_id: int, chat_id: int, display_name: str, language_code: str | None
    ) -> ResidentView:
        language = language_from_client(language_code, self._default_language)
        arrival = Arrival(telegram_id, chat_id, display_name[:NAME_MAX], language)
        return await self._arrivals.submit(arrival)

    async def _register(self, arrivals: list[Arrival]) -> list[ResidentView]:
        """People who wrote at about the same time, registered in one statement: a hundred
        new residents at once took 220-310 ms one transaction each on SQLite (each waiting
        for the one writer), and their first answers waited as long."""
        async with self._db.transaction() as session:
            rows = await repo.upsert_residents(session, arrivals, self._clock())
            return [_view(row) for row in rows]

    async def get(self, telegram_id: int) -> ResidentView | None:
        """The person's record, or None if they never wrote to linli."""
        async with self._db.transaction() as session:
            row = await repo.get_resident(session, telegram_id)
            return None if row is None else _view(row)

    async def set_language(self, telegram_id: int, language: str) -> ResidentView:
        """Remember the language the person chose with /language."""
        if language not in LANGUAGES:
            raise InvalidInput(f"unknown language {language!r}")
        self.forget(telegram_id)
        async with self._db.transaction() as session:
            row = await repo.set_resident_language(session, telegram_id, language)
            if row is None:
                raise NotFound("resident")
            return _view(row)

    async def grant_role(
        self, telegram_id: int, role: str, name: str | None = None
    ) -> ResidentView:
        """Give a person a role (command line and start-up admins; no Telegram caller). With
        ``name``, staff appear by it until Telegram tells linli theirs (their first message),
        never as a bare number."""
        try:
            parsed = Role(role)
        except ValueError:
            raise InvalidInput(f"unknown role {role!r}") from None
        shown = None if name is None else name.strip()
        if shown is not None and not 0 < len(shown) <= NAME_MAX:
            raise InvalidInput(f"a name of 1 to {NAME_MAX} characters is needed")
        self.forget(telegram_id)
        async with self._db.transaction() as session:
            if parsed is Role.RESIDENT and await repo.get_resident(session, telegram_id) is None:
                # Taking a role from someone linli never knew would only add a stranger to
                # the residents (and to every broadcast's audience).
                raise InvalidInput(f"nobody with Telegram id {telegram_id} is known to linli")
            person = await repo.set_resident_role(session, telegram_id, parsed)
            if shown:
                person.display_name = shown
            return _view(person)

    async def ensure_admins(self, telegram_ids: Iterable[int]) -> None:
        """Make the configured admin ids admins (LINLI_ADMIN_IDS), at start."""
        for telegram_id in telegram_ids:
            await self.grant_role(telegram_id, Role.ADMIN)

    async def list_staff(self) -> list[ResidentView]:
        """Everyone with a staff, official or admin role."""
        async with self._db.transaction() as session:
            rows = await repo.list_residents(session, active_only=False)
            return [_view(r) for r in rows if r.role in STAFF_ROLES]

    async def require_role(self, telegram_id: int, *roles: Role) -> ResidentView:
        """The caller's record if they hold one of ``roles``; PermissionDenied otherwise."""
        person = await self.get(telegram_id)
        if person is None or person.role not in {r.value for r in roles}:
            raise PermissionDenied(", ".join(r.value for r in roles))
        return person


def _view(row: Resident) -> ResidentView:
    return ResidentView(
        telegram_id=row.telegram_id,
        chat_id=row.chat_id,
        display_name=row.display_name,
        language=row.language or "zh-Hans",
        role=str(row.role.value if isinstance(row.role, Role) else row.role),
        active=row.active,
    )
