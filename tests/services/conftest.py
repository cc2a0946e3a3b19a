"""Ticket-service fixtures: a settable clock, registered people, and the service itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from services.access import Actor
from services.tickets import Complaint, Tickets, TicketSettings
from storage import Database, Role
from storage.repositories.residents import set_resident_role, upsert_resident

# Monday 2 November 2026, 10:00 in Shanghai: a plain working day.
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
STAFF_CHAT = -1001234567890
RESIDENT, NEIGHBOUR, STRANGER = 1001, 1002, 1003
STAFF, STAFF_2, OFFICIAL, ADMIN = 2001, 2002, 3001, 4001
# Residents in their own chats with linli, where they file (services/tickets/filing.py).
RESIDENT_PRIVATE, NEIGHBOUR_PRIVATE = Actor.in_private(RESIDENT), Actor.in_private(NEIGHBOUR)


class Clock:
    """The service's notion of now; tests move it forward."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    db: Database
    clock: Clock
    tickets: Tickets


async def add_people(db: Database) -> None:
    """Residents (one with a language of their own) and one person per staff role."""
    names = {RESIDENT: "王阿姨", NEIGHBOUR: "李先生", STRANGER: "张三"}
    roles = {STAFF: Role.STAFF, STAFF_2: Role.STAFF, OFFICIAL: Role.OFFICIAL, ADMIN: Role.ADMIN}
    async with db.transaction() as session:
        for telegram_id, name in names.items():
            await upsert_resident(
                session, telegram_id=telegram_id, chat_id=telegram_id, display_name=name, now=T0
            )
        for telegram_id, role in roles.items():
            await upsert_resident(
                session,
                telegram_id=telegram_id,
                chat_id=telegram_id,
                display_name=f"staff{telegram_id}",
                now=T0,
            )
            await set_resident_role(session, telegram_id, role, now=T0)


def make_tickets(db: Database, clock: Clock, staff_chat: int | None = STAFF_CHAT) -> Tickets:
    return Tickets(db, clock, TicketSettings(staff_chat_id=staff_chat))


@pytest.fixture
async def desk(database: Database) -> Desk:
    """The ticket service on SQLite and PostgreSQL, with people registered."""
    await add_people(database)
    clock = Clock()
    return Desk(database, clock, make_tickets(database, clock))


@pytest.fixture
async def lite_desk(sqlite_database: Database) -> Desk:
    """The same on SQLite only, for tests about rules rather than databases."""
    await add_people(sqlite_database)
    clock = Clock()
    return Desk(sqlite_database, clock, make_tickets(sqlite_database, clock))


NOISE = Complaint(
    category="noise",
    description="楼上每天晚上十一点以后还在装修，电钻声音很大",
    location_text="幸福小区3号楼2单元",
    phone="138 1234 5678",
)


async def file_noise(desk: Desk, who: int = RESIDENT, complaint: Complaint = NOISE) -> str:
    """File a noise complaint and return its number."""
    return (await desk.tickets.filing.file_complaint(Actor.in_private(who), complaint)).number


async def record_phone_call(tickets: Tickets, staff_id: int = STAFF) -> str:
    """Staff record a caller's complaint (代录 by phone); returns its number."""
    recorder = Actor.in_private(staff_id)
    await tickets.on_behalf.start(recorder)
    for field, value in (("channel", "phone"), ("category", "noise"),
                         ("description", "楼下饭店油烟很大，每天中午和晚上都熏到家里"),
                         ("place", "幸福小区5号楼"), ("name", "王阿姨"),
                         ("phone", "13812345678")):  # fmt: skip
        await tickets.on_behalf.answer(recorder, field, value)
    return await tickets.on_behalf.submit(recorder)
