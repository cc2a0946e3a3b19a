"""A resident's own data: everything in one export, erasing it keeps the figures, and the
retention sweep empties the same fields after N days (both databases)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.errors import NotFound, PermissionDenied
from services.knowledge.unanswered import unanswered_groups
from services.privacy.service import PrivacyService, RoleHeld
from services.reports import Report, ReportService, month_period
from services.residents.service import ResidentService
from storage import Database
from storage.models import OutboxMessage, QueryLog, Resident, Subscription, Ticket, TicketEvent
from storage.repositories.outbox import add_message
from storage.repositories.privacy import ERASED
from tests.services import report_tickets as data
from tests.services.conftest import RESIDENT, Desk, file_noise
from tests.services.report_tickets import LI, NOW, PHONE, STAFF_A, WANG


def _privacy(db: Database, retention_days: int = 0) -> PrivacyService:
    residents = ResidentService(db, lambda: NOW, "zh-Hans")
    return PrivacyService(db, lambda: NOW, residents, retention_days)


def _figures(report: Report) -> tuple[object, ...]:
    return (
        report.totals,
        report.by_category,
        report.by_community,
        report.by_staff,
        report.kb,
        report.trend,
        tuple((r.number, r.status, r.rating_score, r.category) for r in report.tickets),
    )


@pytest.fixture
async def october(database: Database) -> Database:
    await data.add_october(database)
    async with database.transaction() as session:
        wang = await session.scalar(select(Resident).where(Resident.telegram_id == WANG))
        assert wang is not None
        session.add(Subscription(resident_id=wang.id, topic="water", since=NOW))
        await add_message(
            session, chat_id=WANG, telegram_id=WANG, language="zh-Hans",
            message_key="ticket.status", params={"text": T1_WORDS}, idempotency_key="w1",
            now=NOW,
        )  # fmt: skip
    return database


T1_WORDS = "3号楼502室"


async def test_export_holds_profile_tickets_questions_and_pending_messages(
    october: Database,
) -> None:
    mine = await _privacy(october).export(WANG)
    assert mine.profile.display_name == "王阿姨"
    assert mine.profile.community == "幸福小区"
    assert mine.profile.subscriptions == ("water",)
    assert mine.profile.quiet_hours == "22:00-07:00"
    first = mine.tickets[0]
    assert (first.number, first.phone, first.rating_score) == ("2610-0001", PHONE, 5)
    assert T1_WORDS in first.description
    assert [e.to_status for e in first.timeline] == ["new", "resolved"]
    assert [m.message_key for m in mine.pending_messages] == ["ticket.status"]
    document = json.loads(mine.to_json())
    assert document["profile"]["display_name"] == "王阿姨"
    assert len(document["tickets"]) == 6
    li = await _privacy(october).export(LI)
    assert [q.decision for q in li.questions][:2] == ["answer", "answer"]
    assert li.questions[0].text == "问题"
    with pytest.raises(NotFound):
        await _privacy(october).export(999)


async def test_forget_empties_the_words_and_keeps_every_figure(october: Database) -> None:
    reports = ReportService(october, lambda: NOW)
    before = await reports.report(month_period(2026, 10), with_personal_data=True)

    done = await _privacy(october).forget(WANG, WANG, WANG)
    assert done.tickets_anonymised == 6 and done.messages_cancelled == 1
    await _privacy(october).forget(LI, LI, LI)

    after = await reports.report(month_period(2026, 10), with_personal_data=True)
    assert _figures(after) == _figures(before)
    async with october.transaction() as session:
        assert await session.scalar(select(Resident).where(Resident.telegram_id == WANG)) is None
        tickets = (await session.scalars(select(Ticket).order_by(Ticket.id))).all()
        wang_ticket = tickets[0]
        assert wang_ticket.description == ERASED and wang_ticket.phone is None
        assert wang_ticket.location_text is None and wang_ticket.rating_score == 5
        assert tickets[2].phone == PHONE  # 张三's ticket is his own
        texts = set(await session.scalars(select(QueryLog.raw_text)))
        assert texts == {""}
        assert await session.scalar(select(func.count()).select_from(Subscription)) == 0
        outbox = (await session.scalars(select(OutboxMessage))).all()
        assert [(m.status, m.params) for m in outbox] == [("cancelled", {})]
        events = await session.scalar(select(func.count()).select_from(TicketEvent))
        assert events == sum(1 + len(row[-1]) for row in data.TICKETS)
    # Writing again would be a fresh start: nothing of the old record points to them.
    with pytest.raises(NotFound):
        await _privacy(october).export(WANG)


async def test_forget_is_for_the_person_in_their_private_chat_and_not_for_staff(
    october: Database,
) -> None:
    privacy = _privacy(october)
    with pytest.raises(PermissionDenied):
        await privacy.forget(LI, LI, WANG)  # somebody else's button
    with pytest.raises(PermissionDenied):
        await privacy.forget(WANG, -100123, WANG)  # pressed in a group
    with pytest.raises(RoleHeld):
        await privacy.forget(STAFF_A, STAFF_A, STAFF_A)
    with pytest.raises(RoleHeld):
        await privacy.check_can_forget(STAFF_A)
    assert (await privacy.export(WANG)).tickets[0].phone == PHONE
    await privacy.forget_by_operator(STAFF_A)  # the operator may, and the role goes
    with pytest.raises(NotFound):
        await privacy.export(STAFF_A)


async def test_retention_empties_old_questions_and_long_closed_tickets(
    october: Database,
) -> None:
    assert (await _privacy(october).apply_retention()).questions_erased == 0  # 0: keep
    reports = ReportService(october, lambda: NOW)
    before = await reports.report(month_period(2026, 10))

    swept = await _privacy(october, retention_days=25).apply_retention(NOW)

    # Cut-off 8 October 10:00: questions of 2–6 October; T8 was rejected 21 Oct: kept.
    assert swept.questions_erased == 5
    async with october.transaction() as session:
        texts = list(await session.scalars(select(QueryLog.raw_text).order_by(QueryLog.id)))
        assert texts == ["", "", "", "", "", "问题", "问题"]
    assert _figures(await reports.report(month_period(2026, 10))) == _figures(before)
    later = await _privacy(october, retention_days=1).apply_retention(NOW + timedelta(days=1))
    assert later.tickets_anonymised >= 1
    async with october.transaction() as session:
        closed = await session.scalars(select(Ticket).where(Ticket.status == "rejected"))
        assert all(t.description == ERASED and t.phone is None for t in closed)


async def test_erased_questions_leave_the_unanswered_list(october: Database) -> None:
    before = await unanswered_groups(october, since=None)
    assert sum(g.count for g in before) == 3  # 2 none, 1 👎 in October; 1 none in November
    await _privacy(october, retention_days=30).apply_retention(NOW)  # 3 Oct and before
    assert sum(g.count for g in await unanswered_groups(october, since=None)) == 2
    await _privacy(october).forget(LI, LI, LI)
    assert await unanswered_groups(october, since=None) == []


async def test_a_staff_card_still_waiting_loses_the_words_but_still_goes(desk: Desk) -> None:
    number = await file_noise(desk)
    residents = ResidentService(desk.db, desk.clock, "zh-Hans")
    await PrivacyService(desk.db, desk.clock, residents).forget(RESIDENT, RESIDENT, RESIDENT)
    async with desk.db.transaction() as session:
        [card] = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_key == "staff.card")
        )
    assert card.status == "pending" and card.params["number"] == number
    assert (card.params["description"], card.params["phone"]) == (ERASED, "")
    assert (card.params["location"], card.params["resident"]) == ("", "")
