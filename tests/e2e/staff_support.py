"""The staff-desk fixture for end-to-end tests: a staff chat (-1009000) with two staff
members, a resident, the delivery worker running, and a settable clock for everything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery.limits import DeliveryConfig
from services import Services
from services.access import Actor
from services.knowledge.live import LiveKnowledge
from services.tickets import Complaint
from storage.models import OutboxMessage, TicketEvent
from tests.e2e.conftest import start_linli
from tests.fakes.bot_api import BotApiServer, button_labels
from tests.services.conftest import Clock

STAFF_CHAT = -1009000
STAFF_ID, STAFF_2_ID, RESIDENT_ID = 700001, 700002, 200001
# Monday 2 November 2026, 10:00 in Shanghai: a plain working day.
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
NOISE = Complaint(
    category="noise",
    description="楼上每天晚上十一点以后还在装修，电钻声音很大",
    location_text="幸福小区3号楼2单元",
    phone="13812345678",
)


@dataclass
class Desk:
    api: BotApiServer
    services: Services
    clock: Clock
    resident: dict[str, Any]
    staff: dict[str, Any]
    chat: dict[str, Any]

    async def file(self, complaint: Complaint = NOISE) -> str:
        """The resident files a ticket; returns its number once its card is in the chat."""
        view = await self.services.tickets.filing.file_complaint(
            Actor.in_private(RESIDENT_ID), complaint
        )
        await self.card(view.number)
        return view.number

    async def card(self, number: str) -> dict[str, Any]:
        """The ticket's card in the staff chat, as it looks now."""
        return await self.api.wait_for(lambda: self._card_now(number))

    async def card_offering(self, number: str, label: str) -> dict[str, Any]:
        """The ticket's card once it offers the button ``label`` (after a change redraws it)."""
        return await self.api.wait_for(
            lambda: (card := self._card_now(number)) and label in button_labels(card) and card
        )

    def _card_now(self, number: str) -> dict[str, Any] | None:
        for message in self.api.sent_to(STAFF_CHAT):
            if f"新工单 #{number}" in text_of(message).split("\n", 1)[0]:
                return message
        return None

    async def press(self, message: dict[str, Any], label: str, who: Any = None) -> str:
        """Someone (staff by default) taps a button; returns the short answer they see."""
        query = self.api.press_button(who or self.staff, message, label=label)
        await self.api.wait_for(lambda: self.api.callback_answer(query) is not None)
        return str((self.api.callback_answer(query) or {}).get("text") or "")

    async def say(self, text: str, who: Any = None, count: int = 1, **kw: Any) -> list[dict]:
        """Someone (staff by default) writes in the staff chat; returns linli's answers."""
        self.api.send_text(who or self.staff, text, chat=self.chat, **kw)
        return await self.api.wait_for_message(STAFF_CHAT, count=count)

    async def outbox(self, chat_id: int) -> list[tuple[str, dict[str, Any]]]:
        async with self.services.db.transaction() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == chat_id)
                .order_by(OutboxMessage.id)
            )
            return [(r.message_key, r.params) for r in rows]

    async def events(self) -> int:
        async with self.services.db.transaction() as session:
            return len(list(await session.scalars(select(TicketEvent))))

    async def status(self, number: str) -> str:
        return (
            await self.services.tickets.staff.get_ticket_for_staff(
                Actor(STAFF_ID, STAFF_CHAT), number
            )
        ).status


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def add_people(services: Services) -> None:
    """The resident and the two staff members, registered (staff with their role)."""
    await services.residents.register(RESIDENT_ID, RESIDENT_ID, "小王", "zh-hans")
    for telegram_id, name in ((STAFF_ID, "张社工"), (STAFF_2_ID, "李社工")):
        await services.residents.register(telegram_id, telegram_id, name, "zh-hans")
        await services.residents.grant_role(telegram_id, "staff")


@pytest.fixture
async def desk(tmp_path: Path, live_knowledge: LiveKnowledge) -> AsyncIterator[Desk]:
    clock = Clock(T0)
    # The application runs the real delivery worker (with the forum-topic hook) itself.
    async with start_linli(
        tmp_path,
        live_knowledge,
        clock=clock,
        setup=add_people,
        staff_chat_id=STAFF_CHAT,
        delivery=DeliveryConfig(
            send_rate=1000, private_chat_rate=100, group_per_minute=10_000, poll_interval_s=0.05
        ),
    ) as (api, services):
        resident = api.user(RESIDENT_ID, "小王")
        staff = api.user(STAFF_ID, "张社工")
        api.user(STAFF_2_ID, "李社工")
        chat = api.group(STAFF_CHAT, "社区工作人员")
        yield Desk(api, services, clock, resident, staff, chat)


def status_shown(desk: Desk, number: str) -> dict[str, Any] | None:
    for message in desk.api.sent_to(STAFF_CHAT):
        if f"#{number}" in text_of(message).split("\n", 1)[0] and "📌 状态" in text_of(message):
            return message
    return None


def find(desk: Desk, start: str) -> dict[str, Any] | None:
    found = [m for m in desk.api.sent_to(STAFF_CHAT) if text_of(m).startswith(start)]
    return found[-1] if found else None
