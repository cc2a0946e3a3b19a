"""The lifecycle as staff and residents live it: what each sees and what the outbox holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.access import Actor
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.tickets import STAFF_SIGNATURE, InvalidTransition
from services.tickets.resident import FollowedNotFiled
from storage.models import OutboxMessage, Ticket, TicketEvent
from tests.services.conftest import (
    NEIGHBOUR,
    OFFICIAL,
    RESIDENT,
    RESIDENT_PRIVATE,
    STAFF,
    STAFF_2,
    STAFF_CHAT,
    STRANGER,
    Desk,
    file_noise,
)


async def _outbox(desk: Desk) -> list[tuple[int, str, dict[str, object]]]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.chat_id, r.message_key, r.params) for r in rows]


async def _buttons(desk: Desk, message_key: str) -> list[list[str]]:
    """The actions on the buttons of the first outbox message with this key."""
    async with desk.db.transaction() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.message_key == message_key)
        row = (await session.scalars(stmt)).first()
    assert row is not None and row.buttons is not None
    return [[button["data"].split(":")[1] for button in line] for line in row.buttons]


async def _event_count(desk: Desk) -> int:
    async with desk.db.transaction() as session:
        return len(list(await session.scalars(select(TicketEvent))))


async def test_the_whole_loop_with_a_not_solved_rating(desk: Desk) -> None:
    svc = desk.tickets
    number = await file_noise(desk)
    desk.clock.advance(minutes=30)
    accepted = await svc.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    assert (accepted.status, accepted.assignee_telegram_id) == ("accepted", STAFF)
    assert accepted.first_response_at == desk.clock.now
    await svc.staff.reply(Actor(STAFF, STAFF_CHAT), number, "已联系物业，今晚上门查看")
    await svc.staff.note(Actor(STAFF, STAFF_CHAT), number, "业主电话打不通，先找物业")
    await svc.staff.start(Actor(STAFF, STAFF_CHAT), number)
    resolved = await svc.staff.resolve(
        Actor(STAFF, STAFF_CHAT), number, "已要求施工方晚上八点后停工"
    )
    assert resolved.status == "resolved"

    reopened = await svc.resident.rate(Actor.in_private(RESIDENT), number, solved=False, score=2)
    assert (reopened.status, reopened.rating_score, reopened.rating_solved) == (
        "reopened",
        2,
        False,
    )
    # Words after the rating: kept with it, once, and to staff as the reopened ticket's
    # follow-up; only the filer's, and only after they rated.
    with pytest.raises(NotFound):
        await svc.resident.comment_on_rating(Actor.in_private(NEIGHBOUR), number, "我也觉得")
    await svc.resident.comment_on_rating(Actor.in_private(RESIDENT), number, "昨晚还在施工")
    staff_view = await svc.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    assert staff_view.rating_comment == "昨晚还在施工"
    with pytest.raises(NotFound):
        await svc.resident.comment_on_rating(Actor.in_private(RESIDENT), number, "再说一句")
    await svc.staff.resolve(Actor(STAFF, STAFF_CHAT), number, "施工方已签承诺书")
    closed = await svc.resident.rate(Actor.in_private(RESIDENT), number, solved=True, score=5)
    assert closed.status == "closed"

    messages = await _outbox(desk)
    assert [(chat, key) for chat, key, _ in messages] == [
        (STAFF_CHAT, "staff.card"),
        (RESIDENT, "ticket.status_changed"),
        (STAFF, "staff.contact"),  # the full phone number, to the new assignee only
        (RESIDENT, "ticket.staff_reply"),
        (RESIDENT, "ticket.status_changed"),
        (RESIDENT, "ticket.rate_request"),
        (STAFF_CHAT, "staff.reopened"),
        (STAFF_CHAT, "staff.followup"),
        (RESIDENT, "ticket.rate_request"),
    ]
    assert messages[2][2] == {"number": number, "phone": "13812345678"}
    assert messages[3][2] == {"number": number, "message": "已联系物业，今晚上门查看"}
    assert messages[7][2]["text"] == "昨晚还在施工"
    # The card for a reopened ticket offers what staff can still do with it.
    assert await _buttons(desk, "staff.card") == [["accept", "reply"], ["reject"], ["assign"]]
    assert await _buttons(desk, "staff.reopened") == [["reply"], ["resolve", "reject"], ["assign"]]

    timeline = (
        await svc.resident.get_ticket_for_resident(Actor.in_private(RESIDENT), number)
    ).timeline
    assert [(e.kind, e.status) for e in timeline] == [
        ("transition", "new"),
        ("transition", "accepted"),
        ("reply", None),
        ("transition", "in_progress"),
        ("transition", "resolved"),
        ("rating", "reopened"),
        ("followup", None),
        ("transition", "resolved"),
        ("rating", "closed"),
    ]
    # Residents never see who on the staff acted, nor internal notes.
    assert {e.author for e in timeline} == {"resident", STAFF_SIGNATURE}
    assert all("业主电话" not in (e.message or "") for e in timeline)

    trail = (await svc.staff.get_ticket_for_staff(Actor(OFFICIAL, STAFF_CHAT), number)).events
    assert len(trail) == 10
    note = next(e for e in trail if e.kind == "note")
    assert (note.actor_telegram_id, note.actor_role, note.internal_note) == (
        STAFF,
        "staff",
        "业主电话打不通，先找物业",
    )


async def test_a_refused_transition_changes_nothing(desk: Desk) -> None:
    number = await file_noise(desk)
    events, outbox = await _event_count(desk), await _outbox(desk)
    with pytest.raises(InvalidTransition, match="cannot resolve a ticket that is new"):
        await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), number, "done")
    with pytest.raises(InvalidTransition):
        await desk.tickets.resident.rate(Actor.in_private(RESIDENT), number, solved=True, score=5)
    assert await _event_count(desk) == events
    assert await _outbox(desk) == outbox
    view = await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    assert (view.status, view.first_response_at, view.resolution_due_at) == (
        "new",
        None,
        view.resolution_due_at,
    )


async def test_rejection_needs_a_reason_the_resident_sees(desk: Desk) -> None:
    number = await file_noise(desk)
    with pytest.raises(InvalidInput, match="reason is empty"):
        await desk.tickets.staff.reject(Actor(STAFF, STAFF_CHAT), number, "  ")
    await desk.tickets.staff.reject(Actor(STAFF, STAFF_CHAT), number, "属于城管职责，请拨打12345")
    seen = await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(RESIDENT), number)
    assert (seen.status, seen.reject_reason) == ("rejected", "属于城管职责，请拨打12345")
    assert (await _outbox(desk))[-1] == (
        RESIDENT,
        "ticket.rejected",
        {"number": number, "reason": "属于城管职责，请拨打12345"},
    )


async def test_staff_actions_from_a_resident_are_refused(desk: Desk) -> None:
    number = await file_noise(desk)
    calls = [
        desk.tickets.staff.accept(Actor(RESIDENT, STAFF_CHAT), number),
        desk.tickets.staff.reply(Actor(RESIDENT, STAFF_CHAT), number, "hello"),
        desk.tickets.staff.note(Actor(RESIDENT, STAFF_CHAT), number, "x"),
        desk.tickets.staff.reject(Actor(RESIDENT, STAFF_CHAT), number, "不属于社区范围"),
        desk.tickets.staff.assign(Actor(RESIDENT, STAFF_CHAT), number, RESIDENT),
        desk.tickets.staff.get_ticket_for_staff(Actor(RESIDENT, STAFF_CHAT), number),
        desk.tickets.staff.list_queue(Actor(NEIGHBOUR, STAFF_CHAT)),
        desk.tickets.staff.accept(Actor(999_999, STAFF_CHAT), number),  # never wrote to linli
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            await call
    assert await _event_count(desk) == 1


async def test_residents_only_see_their_own_tickets(desk: Desk) -> None:
    number = await file_noise(desk)
    with pytest.raises(NotFound):
        await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(STRANGER), number)
    with pytest.raises(NotFound):
        await desk.tickets.resident.followup(Actor.in_private(STRANGER), number, "我也被吵到了")
    with pytest.raises(NotFound):
        await desk.tickets.resident.rate(Actor.in_private(STRANGER), number, solved=True, score=5)
    assert [
        t.number for t in await desk.tickets.resident.list_my_tickets(Actor.in_private(RESIDENT))
    ] == [number]
    assert await desk.tickets.resident.list_my_tickets(Actor.in_private(STRANGER)) == ()


async def test_staff_see_names_and_phones_as_allowed(desk: Desk) -> None:
    number = await file_noise(desk)
    before = await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    assert (before.resident_name, before.phone) == ("王阿姨", "138****5678")
    await desk.tickets.staff.assign(Actor(STAFF, STAFF_CHAT), number, STAFF_2)
    assignee = await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF_2, STAFF_CHAT), number)
    other = await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    # What is read in the staff chat is read by everyone there, the assignee's view included:
    # the assignee gets the full number in their private chat with linli instead.
    assert (assignee.phone, other.phone) == ("138****5678", "138****5678")
    [assigned] = [row for row in await _outbox(desk) if row[:2] == (STAFF_2, "staff.assigned")]
    assert "13812345678" in str(assigned)
    with pytest.raises(InvalidInput, match="not a staff member"):
        await desk.tickets.staff.assign(Actor(STAFF, STAFF_CHAT), number, RESIDENT)


async def test_followups_reach_the_staff_chat(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.resident.followup(
        Actor.in_private(RESIDENT), number, "今晚又开始了，现在还在响"
    )
    assert (await _outbox(desk))[-1][:2] == (STAFF_CHAT, "staff.followup")


async def test_merge_moves_followers_and_the_filer(desk: Desk) -> None:
    keep = await file_noise(desk)
    duplicate = await file_noise(desk, who=NEIGHBOUR)
    await desk.tickets.filing.start_draft(RESIDENT_PRIVATE)
    await desk.tickets.filing.update_draft(
        RESIDENT_PRIVATE, category="noise", description="楼上每天晚上十一点以后还在装修"
    )
    await desk.tickets.filing.follow_ticket(RESIDENT_PRIVATE, duplicate)
    merged = await desk.tickets.staff.merge(
        Actor(STAFF, STAFF_CHAT), duplicate, keep, "same building"
    )
    assert (merged.status, merged.merged_into) == ("merged", keep)
    assert (
        await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(NEIGHBOUR), keep)
    ).is_owner is False
    with pytest.raises(InvalidInput):
        await desk.tickets.staff.merge(Actor(STAFF, STAFF_CHAT), keep, keep)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), keep)
    keys = [(chat, key) for chat, key, _ in await _outbox(desk)]
    assert keys[-2] == (NEIGHBOUR, "ticket.followed_status_changed")  # follows the kept one
    # A follower reads the kept ticket but does not add to it; a stranger hears "not found".
    with pytest.raises(FollowedNotFiled):
        await desk.tickets.resident.followup(Actor.in_private(NEIGHBOUR), keep, "我也是")
    with pytest.raises(NotFound) as refused:
        await desk.tickets.resident.followup(Actor.in_private(STRANGER), keep, "我也是")
    assert not isinstance(refused.value, FollowedNotFiled)


async def test_unrated_tickets_close_after_the_configured_days(desk: Desk) -> None:
    number = await file_noise(desk)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), number)
    assert await desk.tickets.system.close_unrated(desk.clock.now + timedelta(days=6)) == 0
    assert await desk.tickets.system.close_unrated(desk.clock.now + timedelta(days=8)) == 1
    view = await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)
    assert (view.status, view.events[-1].actor_role) == ("closed", "system")
    assert (await _outbox(desk))[-1][1:] == (
        "ticket.status_changed",
        {"number": number, "status": "closed", "message": ""},
    )


async def test_overdue_tickets_are_listed_and_marked(desk: Desk) -> None:
    number = await file_noise(desk)  # noise: response within 4 working hours
    assert await desk.tickets.system.list_overdue() == ()
    desk.clock.advance(hours=5)  # 15:00 Shanghai, still no response
    [late] = await desk.tickets.system.list_overdue()
    assert (late.number, late.is_overdue) == (number, True)
    assert (
        await desk.tickets.resident.get_ticket_for_resident(Actor.in_private(RESIDENT), number)
    ).is_overdue is True
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    assert await desk.tickets.system.list_overdue() == ()
    mine = await desk.tickets.staff.list_mine(Actor(STAFF, STAFF_CHAT))
    assert [t.number for t in mine] == [number]
    async with desk.db.transaction() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    assert ticket.first_response_at == desk.clock.now
