"""A small town to attack, on SQLite and on PostgreSQL: a resident with two tickets (one new,
one resolved) and a question, an official's broadcast draft, and people of every role who
have no business with any of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.access import Actor
from services.container import Services
from services.knowledge.live import LiveKnowledge
from services.tickets import Complaint
from storage.migrate import upgrade
from tests.conftest import BACKENDS, _fresh_postgres
from tests.e2e.conftest import ADMIN_ID, RESIDENT_ID, STAFF_CHAT_ID, STAFF_ID, Linli, start_linli

OFFICIAL_ID, OTHER_OFFICIAL_ID, STRANGER_ID = 800001, 800002, 200777
OTHER_GROUP_ID = -1007777
SECRET = "防盗门密码是4321"  # in the victim's description: must never reach anyone else
PHONE = "13912345678"


@dataclass
class Town:
    linli: Linli
    new_ticket: int  # ticket ids, as the card buttons carry them
    new_number: str
    resolved_number: str
    resolved_ticket: int
    query_id: int
    draft_id: int
    people: dict[int, dict[str, Any]]  # telegram id → emulator user
    extension_id: int = 0  # the new ticket's extension request, waiting for an official


async def _roles(services: Services) -> None:
    await services.residents.grant_role(STAFF_ID, "staff")
    for official in (OFFICIAL_ID, OTHER_OFFICIAL_ID):
        await services.residents.register(
            telegram_id=official, chat_id=official, display_name="官员", language_code="zh-hans"
        )
        await services.residents.grant_role(official, "official")


async def _victim_data(services: Services) -> tuple[int, str, int, str, int, int, int]:
    await services.residents.register(
        telegram_id=RESIDENT_ID, chat_id=RESIDENT_ID, display_name="王秀英", language_code="zh-hans"
    )
    complaint = Complaint("noise", f"楼上每晚装修到十一点，{SECRET}", "幸福里3号楼", phone=PHONE)
    new = await services.tickets.filing.file_complaint(Actor.in_private(RESIDENT_ID), complaint)
    done = await services.tickets.filing.file_complaint(Actor.in_private(RESIDENT_ID), complaint)
    desk = Actor(STAFF_ID, STAFF_CHAT_ID)
    await services.tickets.staff.accept(desk, done.number)
    resolved = await services.tickets.staff.resolve(desk, done.number, "已处理")
    opened = await services.tickets.staff.get_ticket_for_staff(desk, new.number)
    asked = await services.enquiries.ask(RESIDENT_ID, "低保怎么申请")
    draft = await services.notices.create_draft(OFFICIAL_ID, "本周六上午社区义诊")
    due, reason = services.tickets.extensions.parse_due("+3 等物业调取监控")
    extension = await services.tickets.extensions.request(desk, new.number, due, reason)
    return (opened.id, new.number, resolved.id, resolved.number, asked.query_id, draft.id,
            extension.id)  # fmt: skip


async def _setup_delivered(services: Services, timeout_s: float = 30.0) -> None:
    """Wait until the setup's own messages (the assignee's phone, the officials' extension
    question) are out: delivered during the attack, they counted as what a forged press had
    shown (a retry after the first try found a person the emulator did not know yet)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        counts = await services.delivery.counts()
        if not counts.get("pending") and not counts.get("sending"):
            return
        assert asyncio.get_running_loop().time() < deadline, f"setup not delivered: {counts}"
        await asyncio.sleep(0.05)


@pytest.fixture(params=BACKENDS)
async def town(
    request: pytest.FixtureRequest, tmp_path: Path, live_knowledge: LiveKnowledge
) -> AsyncIterator[Town]:
    url = None
    fresh: AsyncIterator[Any] | None = None
    if request.param == "postgres":
        fresh = _fresh_postgres()
        database = await anext(fresh)
        await upgrade(database)
        url = database.url
    made: dict[str, Any] = {}

    async def setup(services: Services) -> None:
        await _roles(services)
        made["ids"] = await _victim_data(services)

    try:
        async with start_linli(
            tmp_path,
            live_knowledge,
            setup=setup,
            admin_ids=(ADMIN_ID,),
            staff_chat_id=STAFF_CHAT_ID,
            database_url=url,
        ) as (api, services):
            people = {
                RESIDENT_ID: api.user(RESIDENT_ID, "王秀英", language_code="zh-hans"),
                STRANGER_ID: api.user(STRANGER_ID, "路人", language_code="zh-hans"),
                STAFF_ID: api.user(STAFF_ID, "李社工", language_code="zh-hans"),
                OFFICIAL_ID: api.user(OFFICIAL_ID, "张主任", language_code="zh-hans"),
                OTHER_OFFICIAL_ID: api.user(OTHER_OFFICIAL_ID, "赵科长", language_code="zh-hans"),
                ADMIN_ID: api.user(ADMIN_ID, "管理员", language_code="zh-hans"),
            }
            staff_chat = api.group(STAFF_CHAT_ID, "社区工作群")
            api.group(OTHER_GROUP_ID, "业主闲聊群")
            linli = Linli(
                api, services, people[RESIDENT_ID], people[ADMIN_ID], people[STAFF_ID], staff_chat
            )
            new_id, new_no, done_id, done_no, query_id, draft_id, extension_id = made["ids"]
            await _setup_delivered(services)
            yield Town(
                linli, new_id, new_no, done_no, done_id, query_id, draft_id, people, extension_id
            )
    finally:
        if fresh is not None:
            await fresh.aclose()
