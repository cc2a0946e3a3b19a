"""The staff chat's "reject: reason?" prompts, kept in the database (SQLite and PostgreSQL)
as what the staff member owes linli next: opened, taken by the answer, replaced, cancelled,
expired, and only ever taken once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from services.access import Actor, WrongPlace
from services.errors import NotFound, PermissionDenied
from services.residents.awaiting import AwaitingService
from services.tickets import REJECT_PROMPT_TTL, DeskPromptView
from storage.models import Awaiting
from tests.services.conftest import (
    RESIDENT,
    STAFF,
    STAFF_2,
    STAFF_CHAT,
    T0,
    Desk,
    file_noise,
)

OTHER_CHAT = -1009999


async def _rows(desk: Desk) -> list[tuple[int, int, int, int]]:
    """What the table holds: (chat, staff member, ticket id, prompt message id)."""
    async with desk.db.transaction() as session:
        rows = await session.scalars(
            select(Awaiting).where(Awaiting.kind == "reject_reason").order_by(Awaiting.chat_id)
        )
        return [(r.chat_id, r.telegram_id, int(r.reference), r.message_id) for r in rows]


async def _ticket_id(desk: Desk, number: str) -> int:
    return (await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)).id


async def test_the_next_message_takes_the_prompt_once(desk: Desk) -> None:
    number = await file_noise(desk)
    opened = await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 41)
    assert opened == DeskPromptView(number, 41, T0, "reject")
    assert await _rows(desk) == [(STAFF_CHAT, STAFF, await _ticket_id(desk, number), 41)]
    desk.clock.advance(minutes=1)
    assert await desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), None) == opened
    assert await desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), None) is None
    assert await _rows(desk) == []


async def test_pressing_reject_again_replaces_the_prompt(desk: Desk) -> None:
    first, second = await file_noise(desk), await file_noise(desk, STAFF_2)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), first, 41)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), second, 42)
    assert await _rows(desk) == [(STAFF_CHAT, STAFF, await _ticket_id(desk, second), 42)]
    assert await desk.tickets.prompts.take(Actor(STAFF_2, STAFF_CHAT), 41) is None
    taken = await desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), None)
    assert taken is not None and (taken.number, taken.prompt_message_id) == (second, 42)


async def test_a_reply_to_a_prompt_takes_it_whoever_replies(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 41)
    await desk.tickets.prompts.open(Actor(STAFF_2, STAFF_CHAT), number, 42)
    taken = await desk.tickets.prompts.take(Actor(STAFF_2, STAFF_CHAT), 41)
    assert taken is not None and taken.prompt_message_id == 41
    # The colleague's own prompt stays open; only the one replied to was taken.
    assert [row[1:] for row in await _rows(desk)] == [(STAFF_2, await _ticket_id(desk, number), 42)]


async def test_a_reply_to_another_message_leaves_the_own_prompt_open(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 41)
    assert await desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), 40) is None  # e.g. the card
    assert len(await _rows(desk)) == 1
    taken = await desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), None)
    assert taken is not None and taken.number == number


async def test_prompts_open_and_answer_at_the_desk_only(desk: Desk) -> None:
    # A reject pressed (or forged) outside the staff chat opens nothing; a message from
    # another chat takes nothing and cancels nothing, so the open prompt stays.
    number = await file_noise(desk)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 41)
    for elsewhere in (Actor(STAFF, OTHER_CHAT), Actor.in_private(STAFF)):
        with pytest.raises(WrongPlace):
            await desk.tickets.prompts.open(elsewhere, number, 42)
        assert await desk.tickets.prompts.take(elsewhere, None) is None
        assert await desk.tickets.prompts.take(elsewhere, 41) is None
        assert await desk.tickets.prompts.cancel(elsewhere) is None
    assert [row[0] for row in await _rows(desk)] == [STAFF_CHAT]
    taken = await desk.tickets.prompts.take(Actor(STAFF_2, STAFF_CHAT), 41)
    assert taken is not None and taken.number == number


async def test_cancel_drops_the_callers_prompt(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 41)
    assert await desk.tickets.prompts.cancel(Actor(STAFF_2, STAFF_CHAT)) is None
    cancelled = await desk.tickets.prompts.cancel(Actor(STAFF, STAFF_CHAT))
    assert cancelled == DeskPromptView(number, 41, T0, "reject")
    assert await desk.tickets.prompts.cancel(Actor(STAFF, STAFF_CHAT)) is None
    assert await desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), 41) is None


async def test_a_prompt_expires_and_is_cleaned_up(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 41)
    desk.clock.advance(seconds=REJECT_PROMPT_TTL.total_seconds())
    assert await desk.tickets.prompts.cancel(Actor(STAFF, STAFF_CHAT)) is not None  # just in time
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 42)
    await desk.tickets.prompts.open(Actor(STAFF_2, STAFF_CHAT), number, 43)
    desk.clock.advance(seconds=REJECT_PROMPT_TTL.total_seconds() + 1)
    assert await desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), None) is None
    # The scheduled job forgets both, the colleague's old prompt too.
    assert await AwaitingService(desk.db, desk.clock).expire(desk.clock()) == 2
    assert await _rows(desk) == []
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 44)
    desk.clock.advance(seconds=REJECT_PROMPT_TTL.total_seconds() + 1)
    assert await desk.tickets.prompts.take(Actor(STAFF_2, STAFF_CHAT), 44) is None
    assert await desk.tickets.prompts.cancel(Actor(STAFF, STAFF_CHAT)) is None


async def test_only_staff_open_or_take_prompts(desk: Desk) -> None:
    number = await file_noise(desk)
    with pytest.raises(PermissionDenied):
        await desk.tickets.prompts.open(Actor(RESIDENT, STAFF_CHAT), number, 41)
    with pytest.raises(NotFound):
        await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), "2611-9999", 41)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 41)
    # A resident's reply to the prompt takes nothing, so staff can still answer it.
    assert await desk.tickets.prompts.take(Actor(RESIDENT, STAFF_CHAT), 41) is None
    assert await desk.tickets.prompts.cancel(Actor(RESIDENT, STAFF_CHAT)) is None
    assert await desk.tickets.prompts.take(Actor(STAFF_2, STAFF_CHAT), 41) is not None


async def test_two_answers_at_once_take_the_prompt_once(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.prompts.open(Actor(STAFF, STAFF_CHAT), number, 41)
    taken = await asyncio.gather(
        desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), None),
        desk.tickets.prompts.take(Actor(STAFF_2, STAFF_CHAT), 41),
        desk.tickets.prompts.take(Actor(STAFF, STAFF_CHAT), 41),
    )
    assert sum(view is not None for view in taken) == 1
    assert await _rows(desk) == []
