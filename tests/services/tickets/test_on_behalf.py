"""Every channel (代录): staff record tickets for residents outside Telegram. Who may (role,
private chat), each answer validated (a refusal changes nothing), what the ticket holds,
and where its updates go (the recorder, to pass on by phone). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.access import Actor, WrongPlace
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.tickets.callbacks import recorded_on_behalf
from services.tickets.on_behalf import PhoneRequired
from storage.models import OutboxMessage, RecordingDraft, Resident, Ticket
from tests.services.conftest import OFFICIAL, RESIDENT, STAFF, STAFF_CHAT, Desk

RECORDER = Actor.in_private(STAFF)
AT_DESK = Actor(STAFF, STAFF_CHAT)
ANSWERS = (
    ("channel", "phone"),
    ("category", "noise"),
    ("description", "楼下饭店油烟很大，每天中午和晚上都熏到家里"),
    ("place", "幸福小区5号楼"),
    ("name", "王阿姨"),
    ("phone", "138 1234 5678"),
)


async def _record(desk: Desk, actor: Actor = RECORDER, **changed: str) -> str:
    await desk.tickets.on_behalf.start(actor)
    for field, value in ANSWERS:
        await desk.tickets.on_behalf.answer(actor, field, changed.get(field, value))
    return await desk.tickets.on_behalf.submit(actor)


async def _count(desk: Desk, model: type) -> int:
    async with desk.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _ticket(desk: Desk, number: str) -> Ticket:
    async with desk.db.transaction() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        return ticket


async def _outbox(desk: Desk) -> list[OutboxMessage]:
    async with desk.db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_recorded_ticket_holds_its_channel_the_callers_name_and_phone(desk: Desk) -> None:
    number = await _record(desk)
    ticket = await _ticket(desk, number)
    async with desk.db.transaction() as session:
        recorder = await session.scalar(select(Resident).where(Resident.telegram_id == STAFF))
    assert recorder is not None
    assert (ticket.channel, ticket.on_behalf_name) == ("phone", "王阿姨")
    assert ticket.phone == "13812345678"
    assert (ticket.category, ticket.location_text) == ("noise", "幸福小区5号楼")
    assert ticket.status == "new"
    assert ticket.resident_id == recorder.id  # the recorder's record: updates reach them
    assert recorded_on_behalf(ticket)
    [card] = [m for m in await _outbox(desk) if m.message_key == "staff.card"]
    assert card.chat_id == STAFF_CHAT
    assert (card.params["channel"], card.params["on_behalf_name"]) == ("phone", "王阿姨")
    assert await _count(desk, RecordingDraft) == 0  # the draft is gone with the submit


async def test_a_ticket_filed_in_telegram_keeps_the_telegram_channel(desk: Desk) -> None:
    from tests.services.conftest import file_noise

    ticket = await _ticket(desk, await file_noise(desk))
    assert (ticket.channel, ticket.on_behalf_name) == ("telegram", None)
    assert not recorded_on_behalf(ticket)


async def test_only_staff_roles_may_record(desk: Desk) -> None:
    with pytest.raises(PermissionDenied):
        await desk.tickets.on_behalf.start(Actor.in_private(RESIDENT))
    assert await _count(desk, RecordingDraft) == 0
    await desk.tickets.on_behalf.start(Actor.in_private(OFFICIAL))  # officials may
    assert await _count(desk, RecordingDraft) == 1


async def test_recording_is_refused_outside_a_private_chat(desk: Desk) -> None:
    with pytest.raises(WrongPlace):
        await desk.tickets.on_behalf.start(AT_DESK)
    await desk.tickets.on_behalf.start(RECORDER)
    with pytest.raises(WrongPlace):
        await desk.tickets.on_behalf.answer(AT_DESK, "channel", "phone")
    with pytest.raises(WrongPlace):
        await desk.tickets.on_behalf.submit(AT_DESK)
    view = await desk.tickets.on_behalf.current(RECORDER)
    assert view is not None and view.channel is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", "fax"),  # a forged button
        ("category", "no-such-category"),
        ("category", "enquiry"),
        ("description", "   "),
        ("description", "太吵"),  # shorter than ten characters
        ("place", ""),
        ("name", " ！！ "),
        ("name", "王" * 40),
        ("phone", "12345"),
        ("colour", "red"),  # no such question
    ],
)
async def test_a_bad_answer_is_refused_and_changes_nothing(
    desk: Desk, field: str, value: str
) -> None:
    await desk.tickets.on_behalf.start(RECORDER)
    before = await desk.tickets.on_behalf.current(RECORDER)
    with pytest.raises(InvalidInput):
        await desk.tickets.on_behalf.answer(RECORDER, field, value)
    assert await desk.tickets.on_behalf.current(RECORDER) == before


async def test_no_phone_is_allowed_for_a_letter_only(desk: Desk) -> None:
    await desk.tickets.on_behalf.start(RECORDER)
    for field, value in ANSWERS[:-1]:
        await desk.tickets.on_behalf.answer(RECORDER, field, value)
    with pytest.raises(PhoneRequired):
        await desk.tickets.on_behalf.answer(RECORDER, "phone", "")
    await desk.tickets.on_behalf.change(RECORDER, "channel")
    await desk.tickets.on_behalf.answer(RECORDER, "channel", "letter")
    view = await desk.tickets.on_behalf.answer(RECORDER, "phone", "")
    assert (view.phone, view.step) == ("", "confirm")
    # Back to a phone call, the "no phone" of the letter is asked again.
    await desk.tickets.on_behalf.change(RECORDER, "channel")
    view = await desk.tickets.on_behalf.answer(RECORDER, "channel", "walk_in")
    assert (view.phone, view.step) == (None, "phone")
    with pytest.raises(PhoneRequired):
        await desk.tickets.on_behalf.answer(RECORDER, "phone", "")


async def test_an_unfinished_recording_files_nothing(desk: Desk) -> None:
    await desk.tickets.on_behalf.start(RECORDER)
    await desk.tickets.on_behalf.answer(RECORDER, "channel", "hotline")
    with pytest.raises(InvalidInput):
        await desk.tickets.on_behalf.submit(RECORDER)
    assert await _count(desk, Ticket) == 0
    assert await desk.tickets.on_behalf.discard(RECORDER) is True
    with pytest.raises(NotFound):
        await desk.tickets.on_behalf.submit(RECORDER)
    assert await _count(desk, Ticket) == 0
    assert await desk.tickets.on_behalf.discard(RECORDER) is False


async def test_changing_an_answer_asks_only_that_question_again(desk: Desk) -> None:
    await desk.tickets.on_behalf.start(RECORDER)
    for field, value in ANSWERS:
        await desk.tickets.on_behalf.answer(RECORDER, field, value)
    view = await desk.tickets.on_behalf.change(RECORDER, "place")
    assert (view.step, view.place, view.name) == ("place", None, "王阿姨")
    view = await desk.tickets.on_behalf.answer(RECORDER, "place", "幸福小区6号楼")
    assert view.step == "confirm"
    with pytest.raises(InvalidInput):
        await desk.tickets.on_behalf.change(RECORDER, "colour")


async def test_status_updates_go_to_the_recorder_to_pass_on(desk: Desk) -> None:
    number = await _record(desk)
    await desk.tickets.staff.accept(AT_DESK, number)
    await desk.tickets.staff.reply(AT_DESK, number, "明天上午派人去看")
    await desk.tickets.staff.resolve(AT_DESK, number, "已约谈饭店，加装了净化器")
    private = [m for m in await _outbox(desk) if m.chat_id != STAFF_CHAT]
    assert [m.message_key for m in private] == ["ticket.pass_on"] * 3
    assert {m.chat_id for m in private} == {STAFF}
    last = private[-1]
    assert (last.params["name"], last.params["phone"]) == ("王阿姨", "13812345678")
    assert last.params["update_key"] == "ticket.rate_request"
    assert last.params["update"]["message"] == "已约谈饭店，加装了净化器"
    assert not last.buttons  # no rating buttons for the recorder: the callback asks instead
    [due] = await desk.tickets.callbacks.list_due(AT_DESK)
    assert (due.ticket.number, due.reason) == (number, "recorded")


async def test_retention_erases_the_callers_name_and_phone(desk: Desk) -> None:
    from services.privacy.service import PrivacyService
    from services.residents.service import ResidentService

    number = await _record(desk)
    await desk.tickets.staff.reject(AT_DESK, number, "不属于社区职责，已告知居民找物业")
    desk.clock.advance(days=31)
    residents = ResidentService(desk.db, desk.clock, "zh-Hans")
    await PrivacyService(desk.db, desk.clock, residents, 30).apply_retention()
    ticket = await _ticket(desk, number)
    assert (ticket.on_behalf_name, ticket.phone, ticket.channel) == (None, None, "phone")
    [pass_on] = [m for m in await _outbox(desk) if m.message_key == "ticket.pass_on"]
    assert (pass_on.params["name"], pass_on.params["phone"]) == ("", "")  # still unsent


async def test_the_recorder_cannot_rate_in_the_callers_place(desk: Desk) -> None:
    number = await _record(desk)
    await desk.tickets.staff.accept(AT_DESK, number)
    await desk.tickets.staff.resolve(AT_DESK, number, "已处理")
    assert await desk.tickets.resident.awaiting_rating(RECORDER) == ()  # a typed 解决了 too
    with pytest.raises(NotFound):  # a forged rating button
        await desk.tickets.resident.rate(RECORDER, number, True, 5)
    ticket = await _ticket(desk, number)
    assert (ticket.status, ticket.rating_score) == ("resolved", None)


async def test_the_place_may_be_one_of_the_districts_communities(desk: Desk) -> None:
    from services.district import current

    community = current.get().communities[0]
    await desk.tickets.on_behalf.start(RECORDER)
    for field, value in ANSWERS[:3]:
        await desk.tickets.on_behalf.answer(RECORDER, field, value)
    with pytest.raises(InvalidInput):  # a forged button
        await desk.tickets.on_behalf.place_in(RECORDER, "no-such-community")
    view = await desk.tickets.on_behalf.place_in(RECORDER, community.id)
    assert (view.place, view.step) == (community.name, "name")
    for field, value in ANSWERS[4:]:
        await desk.tickets.on_behalf.answer(RECORDER, field, value)
    ticket = await _ticket(desk, await desk.tickets.on_behalf.submit(RECORDER))
    assert ticket.community == community.id
