"""A short follow-up (那要带什么材料) right after an answer is answered from that answer's
entry; too late, after a 👎, or from someone else, it is a question like any other."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.knowledge.live import LiveKnowledge
from services.tickets.enquiries import FOLLOW_UP_WINDOW, EnquiryService
from storage import Database
from storage.models import QueryLog
from tests.services.conftest import NEIGHBOUR, RESIDENT, T0, Clock, add_people

FOLLOW_UP = "那要带什么材料"


async def _asking(db: Database, knowledge: LiveKnowledge) -> tuple[EnquiryService, Clock]:
    await add_people(db)
    clock = Clock(T0)
    return EnquiryService(db, knowledge, clock), clock


async def test_a_follow_up_is_read_against_the_answer_before_it(
    database: Database, live_knowledge: LiveKnowledge
) -> None:
    enquiries, clock = await _asking(database, live_knowledge)
    alone = await enquiries.ask(NEIGHBOUR, FOLLOW_UP)  # nobody told of anything before
    assert alone.entry is None
    first = await enquiries.ask(RESIDENT, "低保怎么申请")
    assert first.entry is not None and first.entry.id == "subsistence-allowance"
    clock.now += timedelta(minutes=3)
    follow = await enquiries.ask(RESIDENT, FOLLOW_UP)
    assert (follow.kind, follow.entry and follow.entry.id) == ("answer", "subsistence-allowance")
    assert follow.suggestions == ()
    clock.now += timedelta(minutes=3)
    again = await enquiries.ask(RESIDENT, "在哪里办")  # a second follow-up: the same topic
    assert again.entry is not None and again.entry.id == "subsistence-allowance"
    async with database.transaction() as session:
        logged = (await session.scalars(select(QueryLog).order_by(QueryLog.id))).all()
    assert [(q.raw_text, q.decision, q.entry_id) for q in logged[1:]] == [
        ("低保怎么申请", "answer", "subsistence-allowance"),
        (FOLLOW_UP, "answer", "subsistence-allowance"),
        ("在哪里办", "answer", "subsistence-allowance"),
    ]
    # The neighbour's follow-up is not read against the resident's answers.
    assert (await enquiries.ask(NEIGHBOUR, FOLLOW_UP)).entry is None


async def test_too_late_or_after_a_thumbs_down_it_is_a_question_of_its_own(
    database: Database, live_knowledge: LiveKnowledge
) -> None:
    enquiries, clock = await _asking(database, live_knowledge)
    await enquiries.ask(RESIDENT, "低保怎么申请")
    clock.now += FOLLOW_UP_WINDOW + timedelta(seconds=1)
    assert (await enquiries.ask(RESIDENT, FOLLOW_UP)).entry is None
    answered = await enquiries.ask(RESIDENT, "低保怎么申请")
    await enquiries.feedback(RESIDENT, answered.query_id, helpful=False)
    assert (await enquiries.ask(RESIDENT, FOLLOW_UP)).entry is None
