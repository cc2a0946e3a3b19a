"""Random sequences of ticket actions by random people never reach an invalid state.

Every action that succeeds leaves exactly one event (close_unrated one per ticket closed,
following none); every refused action leaves the tickets, events, followers and outbox
exactly as they were.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Awaitable, Coroutine
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from services.access import Actor
from services.errors import ServiceError
from services.tickets import Complaint, Tickets, TicketSettings
from storage import Database
from storage.models import (
    Base,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketStatus,
)
from tests.services.conftest import (
    ADMIN,
    NEIGHBOUR,
    OFFICIAL,
    RESIDENT,
    STAFF,
    STAFF_CHAT,
    Clock,
    add_people,
)

T = TypeVar("T")
# Weighted towards people who may act, so that runs go deep into the lifecycle.
PEOPLE = st.sampled_from([RESIDENT, RESIDENT, STAFF, STAFF, OFFICIAL, ADMIN, NEIGHBOUR, 999])
OTHER_GROUP = -1007770001
# Mostly at the desk, so that runs go deep; sometimes from a private chat or another group
# (a forged button), where every staff action must be refused and change nothing.
ACTORS = st.builds(
    lambda who, where: Actor(
        who, {"desk": STAFF_CHAT, "private": who, "group": OTHER_GROUP}[where]
    ),
    PEOPLE,
    st.sampled_from(["desk", "desk", "desk", "private", "group"]),
)
TEXTS = st.sampled_from(["已处理，请查看", "已派人上门", "", "   ", "x" * 3001])
NEXT_STEP = {"new": "accept", "accepted": "start", "in_progress": "resolve", "reopened": "resolve"}
STAFF_ACTIONS = ["accept", "start", "resolve", "reopen", "close", "reject", "reply", "note"]


class TicketMachine(RuleBasedStateMachine):
    tickets = Bundle("tickets")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.mkdtemp(prefix="linli-sm-")
        self.db = Database(f"sqlite+aiosqlite:///{Path(self.tmp) / 'sm.db'}")
        self.clock = Clock()
        self.filed = 0
        self.filers: dict[str, int] = {}
        self.svc = Tickets(self.db, self.clock, TicketSettings(staff_chat_id=STAFF_CHAT))
        self.run(self._setup())

    def run(self, coro: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coro)

    async def _setup(self) -> None:
        async with self.db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        await add_people(self.db)

    def teardown(self) -> None:
        self.run(self.db.dispose())
        self.loop.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    async def _snapshot(self) -> dict[str, Any]:
        async with self.db.transaction() as session:
            tickets = [
                {c.key: getattr(t, c.key) for c in Ticket.__table__.columns}
                for t in await session.scalars(select(Ticket).order_by(Ticket.id))
            ]
            events = len(list(await session.scalars(select(TicketEvent))))
            outbox = len(list(await session.scalars(select(OutboxMessage))))
            followers = {
                (f.ticket_id, f.resident_id) for f in await session.scalars(select(TicketFollower))
            }
        return {"tickets": tickets, "events": events, "outbox": outbox, "followers": followers}

    def attempt(self, call: Coroutine[Any, Any, Any], events: int = 1) -> Any:
        """Run one action: success adds ``events`` events, a refusal changes nothing."""
        name = call.__qualname__
        before = self.run(self._snapshot())
        try:
            result = self.run(call)
        except ServiceError as refused:
            event(f"{name}: refused ({type(refused).__name__})")
            assert self.run(self._snapshot()) == before
            return None
        event(f"{name}: done")
        after = self.run(self._snapshot())
        assert after["events"] - before["events"] == events
        return result

    @staticmethod
    def at_desk_only(actor: Actor, result: Any) -> None:
        """A staff action from anywhere but the staff chat was refused (attempt gave None)."""
        if actor.chat_id != STAFF_CHAT:
            assert result is None

    @precondition(lambda self: self.filed < 4)
    @rule(target=tickets, who=st.sampled_from([RESIDENT, NEIGHBOUR]))
    def file(self, who: int) -> str:
        self.filed += 1
        complaint = Complaint("noise", "楼上装修电钻声太吵了，晚上十点还不停", "3号楼")
        view = self.attempt(self.svc.filing.file_complaint(Actor.in_private(who), complaint))
        assert view is not None
        self.filers[view.number] = who
        return str(view.number)

    @rule(ticket=tickets, actor=ACTORS, action=st.sampled_from(STAFF_ACTIONS), text=TEXTS)
    def staff_action(self, ticket: str, actor: Actor, action: str, text: str) -> None:
        method = getattr(self.svc.staff, action)
        self.at_desk_only(actor, self.attempt(method(actor, ticket, text)))

    @rule(
        ticket=tickets,
        actor=st.sampled_from([STAFF, OFFICIAL, ADMIN, RESIDENT]),
        solved=st.booleans(),
    )
    def advance(self, ticket: str, actor: int, solved: bool) -> None:
        """The usual next step for the ticket's status, so runs reach resolved and beyond."""
        status = self.run(self._status(ticket))
        if status == "resolved":
            self.attempt(
                self.svc.resident.rate(Actor.in_private(self.filers[ticket]), ticket, solved, 3)
            )
            return
        action = NEXT_STEP.get(status, "note")
        desk = Actor(actor, STAFF_CHAT)
        self.attempt(getattr(self.svc.staff, action)(desk, ticket, "按流程处理"))

    async def _status(self, number: str) -> str:
        async with self.db.transaction() as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
            assert ticket is not None
            return ticket.status

    @rule(ticket=tickets, actor=ACTORS, into=tickets)
    def merge(self, ticket: str, actor: Actor, into: str) -> None:
        self.at_desk_only(actor, self.attempt(self.svc.staff.merge(actor, ticket, into)))

    @rule(ticket=tickets, actor=ACTORS, assignee=PEOPLE)
    def assign(self, ticket: str, actor: Actor, assignee: int) -> None:
        self.at_desk_only(actor, self.attempt(self.svc.staff.assign(actor, ticket, assignee)))

    @rule(ticket=tickets, who=PEOPLE, text=TEXTS)
    def followup(self, ticket: str, who: int, text: str) -> None:
        self.attempt(self.svc.resident.followup(Actor.in_private(who), ticket, text))

    @rule(
        ticket=tickets,
        who=st.sampled_from([RESIDENT, NEIGHBOUR, STAFF]),
        solved=st.booleans(),
        score=st.integers(0, 6),
    )
    def rate(self, ticket: str, who: int, solved: bool, score: int) -> None:
        self.attempt(self.svc.resident.rate(Actor.in_private(who), ticket, solved, score))

    @rule(ticket=tickets, who=PEOPLE)
    def follow(self, ticket: str, who: int) -> None:
        self.attempt(self.svc.filing.follow_ticket(Actor.in_private(who), ticket), events=0)

    @rule(days=st.integers(0, 10))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days, hours=1)
        before = self.run(self._snapshot())["events"]
        closed = self.run(self.svc.system.close_unrated(self.clock.now))
        assert self.run(self._snapshot())["events"] - before == closed

    @invariant()
    def every_ticket_is_in_a_valid_state(self) -> None:
        self.run(self._check_tickets())

    async def _check_tickets(self) -> None:
        async with self.db.transaction() as session:
            for t in await session.scalars(select(Ticket)):
                events = list(
                    await session.scalars(
                        select(TicketEvent)
                        .where(TicketEvent.ticket_id == t.id)
                        .order_by(TicketEvent.id)
                    )
                )
                _check_ticket(t, events)


def _check_ticket(t: Ticket, events: list[TicketEvent]) -> None:
    status = TicketStatus(t.status)
    assert (events[0].from_status, events[0].to_status) == (None, "new")
    changes = [e for e in events if e.to_status is not None]
    for previous, change in pairwise(changes):
        assert change.from_status == previous.to_status
    assert changes[-1].to_status == t.status
    assert (status is TicketStatus.REJECTED) <= bool(t.reject_reason)
    assert (status is TicketStatus.MERGED) <= (t.merged_into_id not in (None, t.id))
    assert (status is TicketStatus.RESOLVED) <= (t.resolved_at is not None)
    assert (status is TicketStatus.CLOSED) <= (t.closed_at is not None)
    assert (t.first_response_at is None) <= (status is TicketStatus.NEW)
    assert (t.rating_score is None) == (t.rating_solved is None)
    assert t.rating_score is None or 1 <= t.rating_score <= 5


TicketMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_ticket_state_machine = TicketMachine.TestCase
