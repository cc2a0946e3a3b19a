"""Callbacks (回访), redo (退回重办), supervision (督办) and the typed rating answer: each
rule, each refusal (which changes nothing), one event per success."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.access import Actor
from services.errors import NotFound, PermissionDenied
from services.tickets.callbacks import CallbackOutcome, NoCallbackDue, recorded_on_behalf
from services.tickets.supervision import CannotSupervise, NotSupervisor
from services.tickets.typed_answers import (
    rating_answer,
    says_none,
    sounds_like_a_question,
    sounds_unsolved,
)
from storage.models import OutboxMessage, Ticket, TicketEvent
from tests.services.conftest import (
    ADMIN,
    OFFICIAL,
    RESIDENT,
    STAFF,
    STAFF_CHAT,
    Desk,
    file_noise,
)

AT_DESK = Actor(STAFF, STAFF_CHAT)


async def _state(desk: Desk, number: str) -> tuple[Ticket, int, int]:
    """The ticket row, its event count and the outbox row count."""
    async with desk.db.transaction() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        events = len(list(await session.scalars(select(TicketEvent))))
        outbox = len(list(await session.scalars(select(OutboxMessage))))
        return ticket, events, outbox


async def _outbox_keys(desk: Desk) -> list[tuple[int, str]]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.chat_id, r.message_key) for r in rows]


async def _resolved(desk: Desk) -> str:
    number = await file_noise(desk)
    await desk.tickets.staff.accept(AT_DESK, number)
    await desk.tickets.staff.resolve(AT_DESK, number, "已处理")
    return number


# --- the callback list ----------------------------------------------------------------------


async def test_a_resolved_ticket_unrated_for_two_days_is_due_a_call(desk: Desk) -> None:
    number = await _resolved(desk)
    assert await desk.tickets.callbacks.list_due(AT_DESK) == ()
    desk.clock.advance(days=2, minutes=1)
    [due] = await desk.tickets.callbacks.list_due(AT_DESK)
    assert (due.ticket.number, due.reason, due.last_outcome) == (number, "unrated", None)


async def test_a_ticket_rated_not_solved_is_due_a_call_until_one_reaches_the_resident(
    desk: Desk,
) -> None:
    number = await _resolved(desk)
    await desk.tickets.resident.rate(Actor.in_private(RESIDENT), number, False, 2)
    [due] = await desk.tickets.callbacks.list_due(AT_DESK)
    assert due.reason == "not_solved"
    await desk.tickets.callbacks.record(AT_DESK, number, CallbackOutcome.UNREACHABLE)
    [again] = await desk.tickets.callbacks.list_due(AT_DESK)
    assert again.last_outcome == "unreachable"
    await desk.tickets.callbacks.record(AT_DESK, number, CallbackOutcome.SATISFIED, "已上门")
    assert await desk.tickets.callbacks.list_due(AT_DESK) == ()


async def test_a_ticket_resolved_again_after_not_solved_waits_for_a_rating_again(
    desk: Desk,
) -> None:
    number = await _resolved(desk)
    await desk.tickets.resident.rate(Actor.in_private(RESIDENT), number, False, 1)
    await desk.tickets.callbacks.record(AT_DESK, number, CallbackOutcome.SATISFIED)
    desk.clock.advance(hours=3)
    await desk.tickets.staff.resolve(AT_DESK, number, "再次上门")
    [awaited] = await desk.tickets.resident.awaiting_rating(Actor.in_private(RESIDENT))
    assert awaited.number == number
    assert await desk.tickets.callbacks.list_due(AT_DESK) == ()
    desk.clock.advance(days=2, minutes=1)
    [due] = await desk.tickets.callbacks.list_due(AT_DESK)
    assert (due.ticket.number, due.reason) == (number, "unrated")


async def test_a_ticket_filed_in_telegram_is_not_recorded_on_behalf(desk: Desk) -> None:
    number = await _resolved(desk)
    ticket, _, _ = await _state(desk, number)
    assert recorded_on_behalf(ticket) is False


# --- recording the outcome ------------------------------------------------------------------


async def test_satisfied_closes_a_resolved_ticket_with_one_event(desk: Desk) -> None:
    number = await _resolved(desk)
    desk.clock.advance(days=3)
    _, events, _ = await _state(desk, number)
    done = await desk.tickets.callbacks.record(AT_DESK, number, CallbackOutcome.SATISFIED)
    ticket, after, _ = await _state(desk, number)
    assert (done.ticket.status, ticket.status, after) == ("closed", "closed", events + 1)
    assert done.redone is False and ticket.redone_count == 0


async def test_not_satisfied_sends_the_ticket_back_to_be_redone(desk: Desk) -> None:
    number = await _resolved(desk)
    desk.clock.advance(days=3)
    _, events, _ = await _state(desk, number)
    done = await desk.tickets.callbacks.record(
        AT_DESK, number, CallbackOutcome.NOT_SATISFIED, "居民说噪音还在"
    )
    ticket, after, _ = await _state(desk, number)
    assert (ticket.status, ticket.redone_count, ticket.resolved_at) == ("reopened", 1, None)
    assert done.redone and done.ticket.redone == 1 and after == events + 1
    keys = await _outbox_keys(desk)
    assert keys[-2:] == [(RESIDENT, "ticket.status_changed"), (STAFF_CHAT, "staff.redo")]
    async with desk.db.transaction() as session:
        redo = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.message_key == "staff.redo")
        )
        event = (await session.scalars(select(TicketEvent).order_by(TicketEvent.id))).all()[-1]
    assert redo is not None and redo.buttons is not None
    assert redo.buttons[0][0]["data"] == f"tk:reply:{ticket.id}"  # the card's buttons
    mine = await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(RESIDENT), number)
    last = mine.timeline[-1]
    assert (last.kind, last.status, last.message) == ("transition", "reopened", None)
    assert (event.kind, event.internal_note) == ("callback", "居民说噪音还在")
    # Sent back past its due time, it is redone within its category's limit again, from now
    # (退回重办), and the trail says how the due time moved.
    assert event.details == {
        "outcome": "not_satisfied",
        "resolution_due_from": "2026-11-04T02:00:00+00:00",
        "resolution_due_to": "2026-11-09T02:00:00+00:00",
    }
    assert ticket.resolution_due_at == datetime(2026, 11, 9, 2, 0, tzinfo=UTC)


async def test_rated_not_solved_a_week_late_the_ticket_gets_its_time_limit_again(
    desk: Desk,
) -> None:
    """Filed on a Monday at 10:00 (noise: two working days), resolved at once, rated "not
    solved" the Monday after: due again two working days from then, not already late."""
    number = await _resolved(desk)
    desk.clock.advance(days=7)
    await desk.tickets.resident.rate(Actor.in_private(RESIDENT), number, solved=False, score=1)
    ticket, _, _ = await _state(desk, number)
    assert ticket.status == "reopened"
    assert ticket.resolution_due_at == datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
    await desk.tickets.staff.resolve(AT_DESK, number, "已重新处理")
    # Reopened again ten minutes later: two working days from then, ten minutes on.
    desk.clock.advance(minutes=10)
    await desk.tickets.resident.rate(Actor.in_private(RESIDENT), number, solved=False, score=1)
    again, _, _ = await _state(desk, number)
    assert again.resolution_due_at == datetime(2026, 11, 11, 2, 10, tzinfo=UTC)


async def test_a_callback_is_refused_on_an_open_ticket_and_changes_nothing(desk: Desk) -> None:
    number = await file_noise(desk)
    before = await _state(desk, number)
    with pytest.raises(NoCallbackDue):
        await desk.tickets.callbacks.record(AT_DESK, number, CallbackOutcome.SATISFIED)
    after = await _state(desk, number)
    assert (after[0].status, after[1], after[2]) == (before[0].status, before[1], before[2])


@pytest.mark.parametrize(
    "actor", [Actor.in_private(RESIDENT), Actor.in_private(STAFF), Actor(RESIDENT, STAFF_CHAT)]
)
async def test_callbacks_are_for_staff_in_the_staff_chat(desk: Desk, actor: Actor) -> None:
    number = await _resolved(desk)
    before = await _state(desk, number)
    with pytest.raises(PermissionDenied):
        await desk.tickets.callbacks.record(actor, number, CallbackOutcome.NOT_SATISFIED)
    with pytest.raises(PermissionDenied):
        await desk.tickets.callbacks.list_due(actor)
    after = await _state(desk, number)
    assert (after[0].status, after[1], after[2]) == (before[0].status, before[1], before[2])


async def test_an_unknown_ticket_is_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        await desk.tickets.callbacks.record(AT_DESK, "2611-9999", CallbackOutcome.SATISFIED)


# --- supervision ----------------------------------------------------------------------------


async def test_an_official_flags_a_ticket_the_staff_chat_is_told_and_the_card_shows_it(
    desk: Desk,
) -> None:
    number = await file_noise(desk)
    _, events, _ = await _state(desk, number)
    view = await desk.tickets.supervision.supervise(Actor.in_private(OFFICIAL), number, "尽快")
    ticket, after, _ = await _state(desk, number)
    assert view.supervised and ticket.supervised_by == OFFICIAL and after == events + 1
    assert ticket.supervision_note == "尽快"
    assert ticket.first_response_at is None  # a flag is not the desk answering the resident
    assert (await _outbox_keys(desk))[-1] == (STAFF_CHAT, "staff.supervised")
    staff_view = await desk.tickets.staff.get_ticket_for_staff(AT_DESK, number)
    assert staff_view.supervised
    lifted = await desk.tickets.supervision.unsupervise(Actor(ADMIN, STAFF_CHAT), number)
    assert not lifted.supervised
    assert (await _state(desk, number))[1] == events + 2


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        (Actor(STAFF, STAFF_CHAT), NotSupervisor),
        (Actor.in_private(RESIDENT), NotSupervisor),
        (Actor(OFFICIAL, -42), PermissionDenied),  # an official, in some other group
    ],
)
async def test_supervision_refusals_change_nothing(
    desk: Desk, actor: Actor, error: type[Exception]
) -> None:
    number = await file_noise(desk)
    before = await _state(desk, number)
    with pytest.raises(error):
        await desk.tickets.supervision.supervise(actor, number)
    after = await _state(desk, number)
    assert after[0].supervised_at is None and after[1:] == before[1:]


async def test_supervising_twice_a_closed_or_an_unknown_ticket_is_refused(desk: Desk) -> None:
    official = Actor.in_private(OFFICIAL)
    number = await file_noise(desk)
    await desk.tickets.supervision.supervise(official, number)
    before = await _state(desk, number)
    with pytest.raises(CannotSupervise) as already:
        await desk.tickets.supervision.supervise(official, number)
    assert already.value.reason == "already"
    assert (await _state(desk, number))[1:] == before[1:]
    closed = await _resolved(desk)
    await desk.tickets.resident.rate(Actor.in_private(RESIDENT), closed, True, 5)
    with pytest.raises(CannotSupervise) as ended:
        await desk.tickets.supervision.supervise(official, closed)
    assert ended.value.reason == "ended"
    with pytest.raises(CannotSupervise) as not_flagged:
        await desk.tickets.supervision.unsupervise(official, closed)
    assert not_flagged.value.reason in ("ended", "not_flagged")
    with pytest.raises(NotFound):
        await desk.tickets.supervision.supervise(official, "2611-9999")


async def test_the_daily_digest_lists_flagged_and_overdue_tickets_to_each_official(
    desk: Desk,
) -> None:
    flagged = await file_noise(desk)
    await desk.tickets.supervision.supervise(Actor.in_private(OFFICIAL), flagged)
    desk.clock.now = desk.clock.now.replace(hour=0, minute=30)  # 08:30 in Shanghai
    assert await desk.tickets.supervision.send_daily_digest(desk.clock.now) == 0
    desk.clock.advance(minutes=20)
    sent = await desk.tickets.supervision.send_daily_digest(desk.clock.now)
    assert sent == 2  # the official and the admin
    assert await desk.tickets.supervision.send_daily_digest(desk.clock.now) == 0  # once a day
    async with desk.db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.message_key == "supervision.digest")
            )
        )
    assert sorted(r.chat_id for r in rows) == [OFFICIAL, ADMIN]
    ticket, _, _ = await _state(desk, flagged)
    assert rows[0].params["flagged"] == 1 and f"{flagged} ⚑" in rows[0].params["tickets"]
    assert rows[0].buttons == [[{"text": flagged, "data": f"sv:open:{ticket.id}"}]]
    opened = await desk.tickets.supervision.open_ticket(Actor.in_private(OFFICIAL), ticket.id)
    assert opened.number == flagged and opened.events
    with pytest.raises(PermissionDenied):
        await desk.tickets.supervision.open_ticket(Actor.in_private(STAFF), ticket.id)


# --- the typed answer to the rating question ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("没解决", False), ("没有解决！", False), ("还没解决呢", False), ("沒解決", False),
        ("not solved", False), ("Not fixed.", False), ("解决了", True), ("已解决", True),
        ("解决啦", True), ("fixed", True), ("solved!", True), ("解决了吗", None),
        ("低保怎么申请", None), ("", None), ("不太满意", False), ("很不满意！", False),
        ("不是很满意呢", False), ("非常满意", True), ("挺满意的", True),
    ],
)  # fmt: skip
def test_typed_rating_answers(text: str, answer: bool | None) -> None:
    assert rating_answer(text) is answer


@pytest.mark.parametrize(
    ("text", "unsolved", "asks"),
    [
        ("电梯还是坏的，根本没修好", True, False), ("師傅來過了，還是壞的", True, False),
        ("晚上还在吵，一点没变", True, False), ("It is still broken, nobody came", True, False),
        ("路灯还没修，什么时候来？", True, True), ("我的低保还没解决怎么办", True, True),
        ("没解决", False, False),  # a short answer: rating_answer's
        ("谢谢，已经修好了", False, False), ("低保怎么申请", False, True),
        ("楼道灯坏了" * 50 + "没修好", False, False),  # a story of its own
    ],
)  # fmt: skip
def test_not_solved_in_a_residents_own_words(text: str, unsolved: bool, asks: bool) -> None:
    assert (sounds_unsolved(text), sounds_like_a_question(text)) == (unsolved, asks)


async def test_awaiting_rating_lists_own_resolved_unrated_tickets_privately(desk: Desk) -> None:
    number = await _resolved(desk)
    [awaited] = await desk.tickets.resident.awaiting_rating(Actor.in_private(RESIDENT))
    assert awaited.number == number
    with pytest.raises(NotFound):
        await desk.tickets.resident.awaiting_rating(Actor(RESIDENT, -42))
    await desk.tickets.resident.rate(Actor.in_private(RESIDENT), number, True, 5)
    assert await desk.tickets.resident.awaiting_rating(Actor.in_private(RESIDENT)) == ()


@pytest.mark.parametrize(
    ("text", "none"),
    [
        ("没有", True), ("沒有！", True), ("不用了", True), ("算了", True), ("跳過", True),
        ("没有照片啊", True), ("No photos.", True), ("skip", True), ("有", False),
        ("有两张", False), ("13812345678", False), ("没解决", False), ("", False),
    ],
)  # fmt: skip
def test_a_typed_none_to_an_optional_step(text: str, none: bool) -> None:
    assert says_none(text) is none
