"""Ticket reminders the scheduler wakes: progress notes, limits at risk, digests, escalation.

Every method answers "what is due as of ``now``" from the tickets' stored due times and
events, queues outbox messages in one transaction and returns how many it queued. Whether
something was already sent is the outbox's idempotency key, so a run repeated, or the first
run after a downtime, sends each message once: a ticket overdue through ten missed hourly
runs is escalated once that day, not ten times.

Hourly reminders act only in working hours on working days (``working_hours_only``): their
clocks count working time, so nothing new falls due at night and nobody is paged at 3 a.m.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from services.errors import InvalidInput
from services.reports.scrub import mask_phone_numbers
from services.tickets.categories import get_category
from services.tickets.summaries import ticket_place
from services.workdays.worktime import WorkCalendar
from storage import Database, Role
from storage.models import Resident, Ticket
from storage.repositories import reminders as repo
from storage.repositories import tickets as tickets_repo

Clock = Callable[[], datetime]
Message = dict[str, Any]  # outbox columns, see repo.add_messages
STAFF_ROLES = frozenset({Role.STAFF, Role.OFFICIAL, Role.ADMIN})
ESCALATION_ROLES = (Role.OFFICIAL, Role.ADMIN)
# The longest run of days off in the Chinese calendar (Spring Festival plus weekends) is
# under two weeks; a due date further away than this plus the warning itself in working
# days cannot be less than the warning away in working time.
_LONGEST_BREAK = timedelta(days=14)
_DIGEST_SCAN = 5000  # open tickets read for the digests; far above a district's queue


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """When reminders fall due; defaults follow the district's service commitments."""

    staff_chat_id: int | None = None  # None: no digest of unassigned tickets
    staff_language: str = "zh-Hans"
    default_language: str = "zh-Hans"
    quiet_working_days: int = 3  # no update for this long: "still in progress" (repeats)
    at_risk_working_hours: float = 8.5  # less than this left before resolution: warn once
    digest_at: time = time(8, 30)  # local time of the morning digest
    digest_limit: int = 30  # tickets listed in one digest (Telegram's 4096 characters)
    working_hours_only: bool = True


class ReminderService:
    """The scheduled reminders about tickets (Telegram-free; messages go to the outbox)."""

    def __init__(
        self,
        db: Database,
        clock: Clock = _utc_now,
        settings: ReminderSettings | None = None,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.settings = settings or ReminderSettings()
        if self.settings.quiet_working_days < 1:
            raise InvalidInput("quiet_working_days must be at least 1")
        self.calendar = calendar or WorkCalendar()
        self._day_hours = _hours(self.calendar.end) - _hours(self.calendar.start)

    async def send_progress_reminders(self, now: datetime | None = None) -> int:
        """Tell filers whose open ticket has had no update for ``quiet_working_days``
        working days that it is still in progress and when it is expected; repeats every
        that many working days while the quiet lasts."""
        now = now or self._clock()
        if not self._working_moment(now):
            return 0
        period = self.settings.quiet_working_days * self._day_hours
        messages: list[Message] = []
        async with self._db.transaction() as session:
            # Wall time is never shorter than working time: this bound only skips tickets
            # that cannot be due yet.
            quiet = await repo.list_quiet_open_tickets(session, now - timedelta(hours=period))
            for row in quiet:
                hours = self.calendar.working_hours_between(row.last_update_at, now)
                periods = int(hours // period)
                if periods < 1:
                    continue
                ticket = row.ticket
                late = now > ticket.resolution_due_at
                key = "reminders.progress_overdue" if late else "reminders.progress"
                # The key names the update the silence follows and how many periods it
                # lasted: one message per period, and one only for periods missed while down.
                idem = f"reminder:progress:{ticket.id}:after:{row.last_event_id}:{periods}"
                params = {"number": ticket.number, "due": self._local(ticket.resolution_due_at)}
                messages += self._message(row.filer, key, params, idem, ticket)
            return await repo.add_messages(session, messages, now)

    async def warn_resolution_at_risk(self, now: datetime | None = None) -> int:
        """Tell filers, once per ticket and due time, that an open ticket's resolution limit
        is less than ``at_risk_working_hours`` of working time away."""
        now = now or self._clock()
        if not self._working_moment(now):
            return 0
        warn = self.settings.at_risk_working_hours
        horizon = _LONGEST_BREAK + timedelta(days=2 * math.ceil(warn / self._day_hours))
        messages: list[Message] = []
        async with self._db.transaction() as session:
            for ticket, filer in await repo.list_open_due_between(session, now, now + horizon):
                if self.calendar.working_hours_between(now, ticket.resolution_due_at) >= warn:
                    continue
                due = ticket.resolution_due_at
                idem = f"reminder:at_risk:{ticket.id}:due:{int(due.timestamp())}"
                params = {"number": ticket.number, "due": self._local(due)}
                messages += self._message(filer, "reminders.at_risk", params, idem, ticket)
            return await repo.add_messages(session, messages, now)

    async def send_morning_digests(self, now: datetime | None = None) -> int:
        """Once per working day from ``digest_at``: each staff member gets their assigned
        open tickets, the staff chat the unassigned ones, soonest due first.

        Tickets of an assignee who is no longer staff count as unassigned, so they are
        seen. A digest missed at ``digest_at`` (linli was down) goes out at the first run
        later that working day.
        """
        now = now or self._clock()
        local = now.astimezone(self.calendar.tz)
        if not self._digest_due(local):
            return 0
        day = local.date().isoformat()
        messages: list[Message] = []
        async with self._db.transaction() as session:
            tickets = await tickets_repo.list_open(session, limit=_DIGEST_SCAN)
            people = await repo.residents_by_telegram_id(
                session, [t.assignee_telegram_id for t in tickets if t.assignee_telegram_id]
            )
            staff = {tid: p for tid, p in people.items() if Role(p.role) in STAFF_ROLES}
            mine: dict[int, list[Ticket]] = {}
            unassigned: list[Ticket] = []
            for ticket in tickets:  # already soonest due first
                owner = ticket.assignee_telegram_id
                if owner in staff:
                    mine.setdefault(owner, []).append(ticket)
                else:
                    unassigned.append(ticket)
            for telegram_id, own in mine.items():
                person = staff[telegram_id]
                params = self._digest_params(own, self._language(person), day, now)
                idem = f"reminder:digest:{day}:tg{telegram_id}"
                messages += self._message(person, "reminders.digest_mine", params, idem)
            if unassigned:
                params = self._digest_params(unassigned, self.settings.staff_language, day, now)
                idem = f"reminder:digest:{day}:staff"
                messages += self._message(None, "reminders.digest_unassigned", params, idem)
            return await repo.add_messages(session, messages, now)

    async def escalate_overdue(self, now: datetime | None = None) -> int:
        """Tell every official and admin (private chats) about each overdue open ticket,
        once per ticket per working day."""
        now = now or self._clock()
        if not self._working_moment(now):
            return 0
        day = now.astimezone(self.calendar.tz).date().isoformat()
        messages: list[Message] = []
        async with self._db.transaction() as session:
            overdue = await tickets_repo.list_overdue(session, now)
            if not overdue:
                return 0
            officials = await repo.list_active_with_roles(session, ESCALATION_ROLES)
            assignees = await repo.residents_by_telegram_id(
                session, [t.assignee_telegram_id for t in overdue if t.assignee_telegram_id]
            )
            for ticket in overdue:
                assignee = assignees.get(ticket.assignee_telegram_id or 0)
                place = await ticket_place(session, ticket)
                for official in officials:
                    language = self._language(official)
                    key, params = self._escalation(ticket, assignee, place, language, now)
                    idem = f"reminder:escalate:{ticket.id}:{day}:tg{official.telegram_id}"
                    messages += self._message(official, key, params, idem, ticket)
            return await repo.add_messages(session, messages, now)

    # --- helpers ---------------------------------------------------------------------------

    def _working_moment(self, now: datetime) -> bool:
        if not self.settings.working_hours_only:
            return True
        local = now.astimezone(self.calendar.tz)
        working_day = self.calendar.is_workday(local.date())
        return working_day and self.calendar.start <= local.time() < self.calendar.end

    def _digest_due(self, local: datetime) -> bool:
        if local.time() < self.settings.digest_at:
            return False
        if not self.settings.working_hours_only:
            return True
        return self.calendar.is_workday(local.date()) and local.time() < self.calendar.end

    def _local(self, moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
        # Language-neutral on purpose: the same string reads right in every catalog.
        return moment.astimezone(self.calendar.tz).strftime(fmt)

    def _language(self, person: Resident) -> str:
        return person.language or self.settings.default_language

    def _escalation(
        self, ticket: Ticket, assignee: Resident | None, place: str, language: str, now: datetime
    ) -> tuple[str, dict[str, Any]]:
        """Which limit a ticket missed (no response yet, or unresolved) and the message.
        Officials see no personal data: the place at building level, not the description."""
        late_response = ticket.first_response_at is None and now > ticket.response_due_at
        if late_response and now <= ticket.resolution_due_at:
            key, due = "reminders.escalate_response", ticket.response_due_at
        else:
            key, due = "reminders.escalate_resolution", ticket.resolution_due_at
        late = self.calendar.working_hours_between(due, now)
        return key, {
            "number": ticket.number,
            "category": category_title(ticket.category, language),
            "due": self._local(due),
            "late_hours": f"{late:.1f}",
            "assignee": "—" if assignee is None else (assignee.display_name or "—"),
            "place": place,
        }

    def _digest_params(
        self, tickets: Sequence[Ticket], language: str, day: str, now: datetime
    ) -> dict[str, Any]:
        shown = tickets[: self.settings.digest_limit]
        lines = []
        for ticket in shown:
            flag = " ⚠️" if now > ticket.resolution_due_at and ticket.paused_at is None else ""
            title = category_title(ticket.category, language)
            due = self._local(ticket.resolution_due_at, "%m-%d %H:%M")
            text = _snippet(ticket.description, 40)
            lines.append(f"• {ticket.number} · {title} · {due}{flag}\n  {text}")
        tickets_text = "\n".join(lines)
        return {"date": day, "count": len(tickets), "shown": len(shown), "tickets": tickets_text}

    def _message(
        self,
        to: Resident | None,
        message_key: str,
        params: dict[str, Any],
        idempotency_key: str,
        ticket: Ticket | None = None,
    ) -> list[Message]:
        """The outbox row for a person's private chat, or for the staff chat when ``to`` is
        None; none when there is nowhere to send it (blocked, no staff chat)."""
        if to is None:
            chat_id, telegram_id = self.settings.staff_chat_id, None
            language = self.settings.staff_language
        elif to.active:
            chat_id, telegram_id, language = to.chat_id, to.telegram_id, self._language(to)
        else:
            return []
        if chat_id is None:
            return []
        return [
            {
                "chat_id": chat_id,
                "telegram_id": telegram_id,
                "language": language,
                "message_key": message_key,
                "params": params,
                "idempotency_key": idempotency_key,
                "ticket_id": None if ticket is None else ticket.id,
            }
        ]


def _hours(moment: time) -> float:
    return moment.hour + moment.minute / 60 + moment.second / 3600


def category_title(category: str, language: str) -> str:
    try:
        found = get_category(category)
    except InvalidInput:
        return category
    return found.title_en if language == "en" else found.title


def _snippet(text: str, limit: int) -> str:
    """The start of a description for the staff's digests, phone numbers masked as on
    the card. Masked before it is cut: a number cut in half would otherwise slip past the
    pattern and stay readable."""
    flat = " ".join(mask_phone_numbers(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
