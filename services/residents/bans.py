"""Bans: staff stop a resident from asking and filing, on the record; and the refusal.

A ban is imposed and lifted from the staff chat (/ban, /unban: BanService with the
caller's Actor) or by the operator on the command line, on a resident named by their
Telegram id or by a ticket they filed. Staff, officials and admins cannot be banned. Each
ban is a row kept for good (storage.models.ResidentBan: who, when, why, who lifted it),
and when made through a ticket, an entry in that ticket's trail only staff see. The
reason is for staff: it is never shown to the resident.

While banned, a resident's questions, new complaints and enquiries, and follow-ups are
refused (BanCheck, called by those use cases; Banned is a TooManyRequests, the same path
as an over-limit resident). What staff owe them goes on: their open tickets still get
status messages, ratings of a resolved ticket count in the figures, and notices reach
them unless they /stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.errors import InvalidInput, NotFound, ServiceError
from services.residents.limits import Banned
from services.residents.service import STAFF_ROLES
from services.residents.staff_chat import staff_in_staff_chat
from storage import Database, Role
from storage.models import EventKind, Resident, ResidentBan, Ticket
from storage.repositories import bans as repo
from storage.repositories import tickets as tickets_repo

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
TELL_AGAIN = timedelta(hours=1)
"""A banned resident is told they are banned at most once in this long (per process)."""
MAX_REASON = 500

Target = int | str
"""Whom a ban is about: a Telegram id (int) or a ticket number (str), whose filer it is."""


@dataclass(frozen=True, slots=True)
class BanView:
    """One ban as staff see it. Made through an anonymous ticket, it names the ticket
    only (``telegram_id`` None, ``name`` empty): a ban must not unmask an anonymous filer."""

    telegram_id: int | None
    name: str
    ticket_number: str | None
    banned_at: datetime
    banned_by: int | None  # None: the operator on the command line
    reason: str
    lifted_at: datetime | None = None
    lifted_by: int | None = None


class CannotBan(ServiceError):
    """The person holds a staff, official or admin role: they lose the role instead."""


class AlreadyBanned(ServiceError):
    """A ban of this person is in force already; nothing changed."""

    def __init__(self, ban: BanView) -> None:
        super().__init__("already banned")
        self.ban = ban


class NotBanned(ServiceError):
    """No ban of this person is in force; nothing changed."""


class NobodyToBan(ServiceError):
    """The ticket named has no Telegram resident behind it: staff recorded it for a caller
    (``reason`` "recorded"), or its filer erased their data ("erased")."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"nobody to ban: {reason}")
        self.reason = reason


class BanService:
    """Imposing, lifting and listing bans (staff in the staff chat, or the operator)."""

    def __init__(self, db: Database, clock: Clock, staff_chat_id: int | None) -> None:
        self._db = db
        self._clock = clock
        self._staff_chat_id = staff_chat_id
        self.check = BanCheck(db, clock)
        """The refusal, shared with the use cases it guards."""

    async def ban(self, actor: Actor, target: Target, reason: str = "") -> BanView:
        """Ban the resident ``target`` names; CannotBan for staff, AlreadyBanned, NotFound
        for an unknown person or ticket, InvalidInput for a reason past MAX_REASON."""
        reason = _reason(reason)
        async with self._db.transaction() as session:
            staff = await staff_in_staff_chat(session, actor, self._staff_chat_id)
            person, ticket = await _target(session, target)
            return await self._impose(session, person, ticket, staff, reason)

    async def unban(self, actor: Actor, target: Target) -> BanView:
        """Lift the ban of the resident ``target`` names; NotBanned when none is in force."""
        async with self._db.transaction() as session:
            staff = await staff_in_staff_chat(session, actor, self._staff_chat_id)
            person, ticket = await _target(session, target)
            return await self._lift(session, person, ticket, staff)

    async def list_banned(self, actor: Actor) -> tuple[BanView, ...]:
        """Every ban in force, the newest first (staff, in the staff chat)."""
        async with self._db.transaction() as session:
            await staff_in_staff_chat(session, actor, self._staff_chat_id)
            rows = await repo.list_bans_in_force(session)
            return tuple(_view(ban, person, ticket) for ban, person, ticket in rows)

    async def ban_by_operator(self, telegram_id: int, reason: str = "") -> BanView:
        """The operator on the command line bans a person (recorded with no staff id)."""
        reason = _reason(reason)
        async with self._db.transaction() as session:
            person, _ = await _target(session, telegram_id)
            return await self._impose(session, person, None, None, reason)

    async def unban_by_operator(self, telegram_id: int) -> BanView:
        """The operator on the command line lifts a person's ban."""
        async with self._db.transaction() as session:
            person, _ = await _target(session, telegram_id)
            return await self._lift(session, person, None, None)

    async def _impose(
        self,
        session: AsyncSession,
        person: Resident,
        ticket: Ticket | None,
        staff: Resident | None,
        reason: str,
    ) -> BanView:
        if Role(person.role) in STAFF_ROLES:
            raise CannotBan(str(Role(person.role).value))
        # Through an anonymous ticket, a ban of its own kind: the id path never meets it.
        masked = _anonymous(ticket)
        current = await repo.get_ban_in_force(session, person.id, masked=masked)
        if current is not None:
            shown = _view(current, person, await _ticket_of(session, current), masked)
            raise AlreadyBanned(shown)
        by = None if staff is None else staff.telegram_id
        ban = await repo.add_ban(
            session,
            resident_id=person.id,
            at=self._clock(),
            by=by,
            reason=reason,
            ticket_id=None if ticket is None else ticket.id,
            masked=masked,
        )
        # A complaint they were writing could not be submitted: drop it now rather than
        # let them finish it first (their next message goes the refused way).
        await tickets_repo.delete_draft(session, person.id)
        if ticket is not None and staff is not None:
            await self._trail(session, ticket, staff, EventKind.BAN, reason)
        return _view(ban, person, ticket)

    async def _lift(
        self, session: AsyncSession, person: Resident, ticket: Ticket | None, staff: Resident | None
    ) -> BanView:
        masked = _anonymous(ticket)
        ban = await repo.get_ban_in_force(session, person.id, masked=masked, for_update=True)
        if ban is None:
            raise NotBanned("not banned")
        ban.lifted_at = self._clock()
        ban.lifted_by = None if staff is None else staff.telegram_id
        made_through = await _ticket_of(session, ban)
        # The unban goes on the ticket named, else on the one the ban was made through.
        on = ticket or made_through
        if on is not None and staff is not None:
            await self._trail(session, on, staff, EventKind.UNBAN, None)
        return _view(ban, person, made_through, _anonymous(ticket))

    async def _trail(
        self,
        session: AsyncSession,
        ticket: Ticket,
        staff: Resident,
        kind: EventKind,
        reason: str | None,
    ) -> None:
        """A staff-only entry in the ticket's trail (not a reply: no response clock)."""
        await tickets_repo.add_event(
            session,
            ticket_id=ticket.id,
            at=self._clock(),
            kind=kind.value,
            actor_telegram_id=staff.telegram_id,
            actor_role=str(Role(staff.role).value),
            from_status=None,
            to_status=None,
            public_message=None,
            internal_note=reason or None,
            details={},
        )


class BanCheck:
    """The refusal of a banned resident's questions, filings and follow-ups.

    It reads the database on every check, unless it follows the bans (``follow``, in a
    running bot on PostgreSQL): then it keeps the Telegram ids of everyone banned in memory
    and reloads them whenever the database announces a change to the bans (revision 0018,
    delivered at commit), so a question costs no round trip for this. A ban reaches every
    process within the time that announcement and one reload take (milliseconds); while
    the announcements cannot be heard (a lost connection), it reads the database again.
    """

    _FORGET_AFTER = 10_000  # people remembered before those told long ago are dropped

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._told: dict[int, datetime] = {}
        self._banned: frozenset[int] | None = None  # None: not following, read the database
        self._changed = False  # announced since the last reload began
        self._reloading: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._hearing = False  # the announcements can be heard

    async def refuse_if_banned(self, telegram_id: int) -> None:
        """Banned (``tell`` once an hour) when a ban of this person is in force; what is
        remembered here besides the bans followed is only when the person was last told."""
        banned = self._banned
        if banned is None:
            if not await repo.is_banned(self._db, telegram_id):
                return
        elif telegram_id not in banned:
            return
        now = self._clock()
        last = self._told.get(telegram_id)
        if last is not None and now - last < TELL_AGAIN:
            raise Banned(last + TELL_AGAIN - now, tell=False)
        self._told[telegram_id] = now
        if len(self._told) > self._FORGET_AFTER:
            self._told = {k: v for k, v in self._told.items() if now - v < TELL_AGAIN}
        raise Banned(TELL_AGAIN, tell=True)

    @property
    def following(self) -> bool:
        """True while the bans are kept in memory (else each check reads the database)."""
        return self._banned is not None

    async def follow(self) -> None:
        """Keep the bans in memory from now on (PostgreSQL; on SQLite each check is a
        look-up of microseconds and another process may ban, so it keeps reading). Returns
        once they are loaded, or after 10 s still reading the database."""
        if self._db.is_sqlite or self._listener is not None:
            return
        loaded = asyncio.Event()
        self._listener = asyncio.create_task(self._listen(loaded), name="linli:bans-listen")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(loaded.wait(), 10)

    async def stop(self) -> None:
        """Stop following: read the database again."""
        tasks = [task for task in (self._listener, self._reloading) if task is not None]
        self._listener = self._reloading = None
        self._banned = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _listen(self, loaded: asyncio.Event) -> None:
        while True:
            try:
                async with self._db.listening(repo.CHANNEL, self._announced) as closed:
                    # Loaded after LISTEN: a change committed meanwhile is announced too.
                    self._hearing = True
                    self._announced("")
                    assert self._reloading is not None
                    await asyncio.shield(self._reloading)
                    loaded.set()
                    await closed.wait()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("ban announcements lost, listening again: %r", exc)
            finally:
                self._hearing = False
                self._banned = None  # nothing is heard now: each check reads the database
            await asyncio.sleep(1.0)

    def _announced(self, _payload: str) -> None:
        self._changed = True
        if self._reloading is None or self._reloading.done():  # one reload at a time
            self._reloading = asyncio.create_task(self._reload(), name="linli:bans-reload")

    async def _reload(self) -> None:
        try:
            # Again while announcements came during the read: it may have missed a change.
            while self._changed:
                self._changed = False
                banned = await repo.banned_telegram_ids(self._db)
        except (SQLAlchemyError, OSError) as exc:
            self._banned = None  # read the database until the next announcement reloads
            log.warning("could not reload the bans, reading them on each check: %r", exc)
            return
        if self._hearing:  # else a change may have gone unheard meanwhile
            self._banned = banned


async def _target(session: AsyncSession, target: Target) -> tuple[Resident, Ticket | None]:
    """The person (locked, so two bans of one person are taken one after the other) and the
    ticket, when named by one; NotFound for an unknown person or ticket, NobodyToBan for a
    ticket with no Telegram resident behind it."""
    ticket = None
    if isinstance(target, str):
        ticket = await tickets_repo.get_ticket_by_number(session, target.strip())
        if ticket is None:
            raise NotFound(f"ticket {target}")
        if ticket.channel != "telegram":  # 代录: the ticket is the recording staff member's
            raise NobodyToBan("recorded")
        found = select(Resident).where(Resident.id == ticket.resident_id)
    else:
        found = select(Resident).where(Resident.telegram_id == target)
    person = await session.scalar(found.with_for_update())
    if person is not None and person.telegram_id < 0 and ticket is not None:
        raise NobodyToBan("erased")  # < 0: erased with /forget, their tickets kept
    if person is None or person.telegram_id < 0:
        raise NotFound("resident")
    return person, ticket


async def _ticket_of(session: AsyncSession, ban: ResidentBan) -> Ticket | None:
    return None if ban.ticket_id is None else await session.get(Ticket, ban.ticket_id)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters")
    return reason


def _anonymous(ticket: Ticket | None) -> bool:
    return ticket is not None and ticket.anonymous


def _view(ban: ResidentBan, person: Resident, ticket: Ticket | None, hide: bool = False) -> BanView:
    """``hide``: the person was named by an anonymous ticket (as is the ticket the ban was
    made through, when that one is anonymous)."""
    hidden = hide or _anonymous(ticket)
    return BanView(
        telegram_id=None if hidden else person.telegram_id,
        name="" if hidden else person.display_name,
        ticket_number=None if ticket is None else ticket.number,
        banned_at=ban.banned_at,
        banned_by=ban.banned_by,
        reason=ban.reason,
        lifted_at=ban.lifted_at,
        lifted_by=ban.lifted_by,
    )
