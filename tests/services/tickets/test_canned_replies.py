"""Canned replies (常用语), SQLite and PostgreSQL: the bundled set, admins adding and
removing (recorded: who, when), validation that changes nothing, the order staff see them
in, placeholders filled from the ticket, and sending one as a reply or a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.access import Actor, WrongPlace
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.tickets import Complaint
from services.tickets.canned import (
    MAX_CANNED,
    CannedTooLong,
    CannedView,
    EmptyText,
    NotForTicket,
    PromptClosed,
    UnknownAction,
    UnknownPlaceholder,
)
from services.tickets.lifecycle import InvalidTransition
from storage.models import CannedReply, OutboxMessage
from tests.services.conftest import (
    ADMIN,
    OFFICIAL,
    RESIDENT,
    STAFF,
    STAFF_CHAT,
    STRANGER,
    T0,
    Desk,
    file_noise,
)

AT_DESK = Actor(STAFF, STAFF_CHAT)
SANITATION = Complaint("sanitation", "垃圾桶三天没人清理，味道很大", "幸福小区东门")
ADMIN_PRIVATE = Actor.in_private(ADMIN)


async def _rows(desk: Desk) -> list[tuple[str, str | None, str, bool, int | None, int | None]]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(select(CannedReply).order_by(CannedReply.id))
        return [(r.action, r.category, r.text, r.sample, r.created_by, r.removed_by) for r in rows]


async def _ticket_id(desk: Desk, number: str) -> int:
    return (await desk.tickets.staff.get_ticket_for_staff(AT_DESK, number)).id


async def _resident_messages(desk: Desk) -> list[tuple[str, dict[str, object]]]:
    async with desk.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [
            (r.message_key, dict(r.params)) for r in rows if r.message_key.startswith("ticket.")
        ]


async def test_the_bundled_set_is_marked_sample_and_listed_by_action(desk: Desk) -> None:
    listed = await desk.tickets.canned.list(ADMIN_PRIVATE)
    assert [c.action for c in listed] == ["reject"] * 3 + ["reply"] * 3 + ["resolve"] * 2
    assert all(c.sample and c.category is None and c.created_by is None for c in listed)
    assert "已收到您反映的问题，我们将在{due}前处理完毕。" in [c.text for c in listed]


async def test_an_admin_adds_in_private_or_the_staff_chat_and_it_is_recorded(desk: Desk) -> None:
    before = await _rows(desk)
    added = await desk.tickets.canned.add(ADMIN_PRIVATE, "reply", "noise", " 已联系{unit}。 ")
    assert added == CannedView(added.id, "reply", "noise", "已联系{unit}。", False, T0, ADMIN)
    in_chat = await desk.tickets.canned.add(Actor(ADMIN, STAFF_CHAT), "reject", "*", "重复反映")
    assert in_chat.category is None
    assert await _rows(desk) == [
        *before,
        ("reply", "noise", "已联系{unit}。", False, ADMIN, None),
        ("reject", None, "重复反映", False, ADMIN, None),
    ]
    desk.clock.advance(minutes=5)
    removed = await desk.tickets.canned.remove(ADMIN_PRIVATE, added.id)
    assert (removed.removed_by, removed.removed_at) == (ADMIN, desk.clock.now)
    assert added.id not in [c.id for c in await desk.tickets.canned.list(ADMIN_PRIVATE)]
    assert (await _rows(desk))[len(before)][-1] == ADMIN  # kept, with who removed it


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        (Actor(STAFF, STAFF_CHAT), PermissionDenied),
        (Actor.in_private(OFFICIAL), PermissionDenied),
        (Actor(ADMIN, -100777), WrongPlace),  # another group
    ],
)
async def test_only_admins_in_their_chat_or_the_staff_chat_manage(
    desk: Desk, actor: Actor, error: type[Exception]
) -> None:
    before = await _rows(desk)
    with pytest.raises(error):
        await desk.tickets.canned.add(actor, "reply", "*", "好的")
    with pytest.raises(error):
        await desk.tickets.canned.remove(actor, 1)
    assert await _rows(desk) == before


@pytest.mark.parametrize(
    "actor",
    [AT_DESK, Actor(OFFICIAL, STAFF_CHAT), Actor(ADMIN, STAFF_CHAT), ADMIN_PRIVATE],
)
async def test_staff_at_the_desk_and_admins_at_home_list_them(desk: Desk, actor: Actor) -> None:
    assert len(await desk.tickets.canned.list(actor)) == 8  # the bundled set


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        (Actor(RESIDENT, STAFF_CHAT), PermissionDenied),  # typed in the staff chat anyway
        (Actor.in_private(RESIDENT), PermissionDenied),
        (Actor.in_private(STRANGER), PermissionDenied),
        (Actor.in_private(999_999), PermissionDenied),  # never registered
        (Actor.in_private(STAFF), WrongPlace),  # staff pick them at the desk only
        (Actor(ADMIN, -100777), WrongPlace),  # another group
    ],
)
async def test_others_and_other_places_are_refused_the_list(
    desk: Desk, actor: Actor, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await desk.tickets.canned.list(actor)


@pytest.mark.parametrize(
    ("action", "category", "text", "error"),
    [
        ("answer", "*", "好的", UnknownAction),
        ("reply", "no-such-category", "好的", InvalidInput),
        ("reply", "*", "   ", EmptyText),
        ("reply", "*", "请于{foo}前答复", UnknownPlaceholder),
        ("reply", "*", "编号{number!r}", UnknownPlaceholder),
        ("reply", "*", "编号{number:>9}", UnknownPlaceholder),
        ("reply", "*", "少了一个括号{number", UnknownPlaceholder),
        ("reply", "*", "😀" * (MAX_CANNED // 2 + 1), CannedTooLong),  # UTF-16 units, not chars
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    desk: Desk, action: str, category: str, text: str, error: type[Exception]
) -> None:
    before = await _rows(desk)
    with pytest.raises(error):
        await desk.tickets.canned.add(ADMIN_PRIVATE, action, category, text)
    assert await _rows(desk) == before


async def test_a_text_of_the_full_length_fits(desk: Desk) -> None:
    added = await desk.tickets.canned.add(ADMIN_PRIVATE, "reply", "*", "好" * MAX_CANNED)
    assert len(added.text) == MAX_CANNED


async def test_unknown_or_removed_ids_are_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        await desk.tickets.canned.remove(ADMIN_PRIVATE, 999)
    added = await desk.tickets.canned.add(ADMIN_PRIVATE, "reply", "*", "好的")
    await desk.tickets.canned.remove(ADMIN_PRIVATE, added.id)
    with pytest.raises(NotFound):
        await desk.tickets.canned.remove(ADMIN_PRIVATE, added.id)


async def test_staff_are_offered_the_categorys_own_texts_first(desk: Desk) -> None:
    number = await file_noise(desk)
    ticket_id = await _ticket_id(desk, number)
    own = await desk.tickets.canned.add(ADMIN_PRIVATE, "reply", "noise", "噪音已联系{unit}")
    await desk.tickets.canned.add(ADMIN_PRIVATE, "reply", "sanitation", "垃圾已清运")
    offered = await desk.tickets.canned.offered(AT_DESK, ticket_id, "reply")
    assert offered[0] == own
    assert [c.category for c in offered] == ["noise", None, None, None]
    rejects = await desk.tickets.canned.offered(AT_DESK, ticket_id, "reject")
    assert {c.action for c in rejects} == {"reject"}
    with pytest.raises(WrongPlace):
        await desk.tickets.canned.offered(Actor.in_private(STAFF), ticket_id, "reply")


async def test_a_picked_text_is_filled_and_sent_to_the_resident(desk: Desk) -> None:
    number = await file_noise(desk)
    ticket_id = await _ticket_id(desk, number)
    canned = await desk.tickets.canned.add(
        ADMIN_PRIVATE, "reply", "*", "{number}（{category}）由{unit}处理，{due}前办结。"
    )
    under = await prompted(desk, number, "reply")
    sent = await desk.tickets.canned.send(AT_DESK, canned.id, ticket_id, under)
    view = sent.ticket
    assert (sent.action, view.status) == ("reply", "new")
    # Filed Monday 10:00 Shanghai; noise has 17 work hours: Tuesday 18:00 local (the sample
    # calendar's work day); held by no unit (the sample dispatches nothing), in no community:
    # the centre.
    due = view.resolution_due_at.astimezone(desk.tickets.timezone).strftime("%Y-%m-%d %H:%M")
    replies = [p for k, p in await _resident_messages(desk) if k == "ticket.staff_reply"]
    assert replies[-1]["message"] == f"{number}（噪音扰民）由社区服务中心处理，{due}前办结。"


async def test_a_picked_reject_text_rejects_with_it_as_the_reason(desk: Desk) -> None:
    number = await file_noise(desk)
    ticket_id = await _ticket_id(desk, number)
    reject = next(c for c in await desk.tickets.canned.offered(AT_DESK, ticket_id, "reject"))
    sent = await desk.tickets.canned.send(
        AT_DESK, reject.id, ticket_id, await prompted(desk, number, "reject")
    )
    assert (sent.action, sent.ticket.status) == ("reject", "rejected")
    with pytest.raises(InvalidTransition):  # rejected: the status allows no second reject
        await desk.tickets.canned.send(
            AT_DESK, reject.id, ticket_id, await prompted(desk, number, "reject", 5002)
        )


async def test_a_pick_under_a_closed_prompt_sends_nothing(desk: Desk) -> None:
    """A reject or reply text answers its prompt once; after /cancel, an answer or another
    ticket's prompt, it is refused and nothing reaches the resident."""
    number = await file_noise(desk)
    ticket_id = await _ticket_id(desk, number)
    reject = next(c for c in await desk.tickets.canned.offered(AT_DESK, ticket_id, "reject"))
    before = await _resident_messages(desk)
    under = await prompted(desk, number, "reject")
    await desk.tickets.prompts.cancel(AT_DESK)
    with pytest.raises(PromptClosed):
        await desk.tickets.canned.send(AT_DESK, reject.id, ticket_id, under)
    with pytest.raises(PromptClosed):  # shown under no prompt at all
        await desk.tickets.canned.send(AT_DESK, reject.id, ticket_id)
    other = await _ticket_id(desk, await file_noise(desk, complaint=SANITATION))
    under = await prompted(desk, number, "reject")
    with pytest.raises(PromptClosed):  # another ticket's id under this ticket's prompt
        await desk.tickets.canned.send(AT_DESK, reject.id, other, under)
    assert await _resident_messages(desk) == before
    assert (await desk.tickets.staff.get_ticket_for_staff(AT_DESK, number)).status == "new"
    # The prompt is still open for its own ticket, and answers once.
    sent = await desk.tickets.canned.send(AT_DESK, reject.id, ticket_id, under)
    assert sent.ticket.status == "rejected"
    assert await desk.tickets.prompts.take(AT_DESK, under) is None


async def test_a_forged_pick_changes_nothing(desk: Desk) -> None:
    number = await file_noise(desk)
    ticket_id = await _ticket_id(desk, number)
    other = await desk.tickets.canned.add(ADMIN_PRIVATE, "reject", "sanitation", "不归我们管")
    before = await _resident_messages(desk)
    with pytest.raises(NotForTicket):  # another category's text
        await desk.tickets.canned.send(AT_DESK, other.id, ticket_id)
    with pytest.raises(WrongPlace):  # pressed (or forged) outside the staff chat
        await desk.tickets.canned.send(Actor(STAFF, -100777), 1, ticket_id)
    with pytest.raises(PermissionDenied):
        await desk.tickets.canned.send(Actor(1001, STAFF_CHAT), 1, ticket_id)
    with pytest.raises(NotFound):
        await desk.tickets.canned.send(AT_DESK, 999, ticket_id)
    with pytest.raises(NotFound):
        await desk.tickets.canned.send(AT_DESK, 1, 999)
    assert await _resident_messages(desk) == before
    assert (await desk.tickets.staff.get_ticket_for_staff(AT_DESK, number)).status == "new"


async def prompted(desk: Desk, number: str, action: str, message_id: int = 5001) -> int:
    """The reply or reject prompt a card's button posts (as message ``message_id``)."""
    await desk.tickets.prompts.open(AT_DESK, number, message_id, action)
    return message_id
