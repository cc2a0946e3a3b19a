"""Teaching the knowledge base: the weekly digest for admins and their decisions on it.

Tests that write use a temporary copy of the knowledge-base directory; the repository's
knowledge/data is never written.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from handlers.i18n import t
from knowledge import default_data_dir
from services.errors import NotFound, PermissionDenied
from services.knowledge.learned import KnowledgeNotWritable
from services.knowledge.learning import MESSAGE_KEY, KbLearningService, digest_slot
from services.knowledge.live import LiveKnowledge
from services.knowledge.unanswered import unanswered_groups
from services.tickets.enquiries import EnquiryService
from services.workdays.worktime import TIMEZONE as TZ
from storage import Database, Role
from storage.models import OutboxMessage
from storage.repositories.residents import set_resident_role, upsert_resident
from tests.services.conftest import ADMIN, OFFICIAL, RESIDENT, STAFF, T0, Clock, add_people

ADMIN_2 = 4002
MONDAY_9 = datetime(2026, 11, 9, 9, 5, tzinfo=TZ)
ELDERLY_CARD = "怎么办理老年卡"  # not answered directly: none, or "did you mean" → none of these
RESTAURANT = "附近哪里有好吃的餐馆"
HAIRCUT = "社区有没有免费理发"  # answered or suggested (convenience services), and rated 👎
PARKING = "小区停车费怎么交"  # answered or suggested, not disliked: not for the digest


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(default_data_dir(), copy)
    return copy


class World:
    def __init__(self, db: Database, kb_dir: Path) -> None:
        self.db = db
        self.kb_dir = kb_dir
        self.clock = Clock(T0)
        self.knowledge = LiveKnowledge(kb_dir)
        self.enquiries = EnquiryService(db, self.knowledge, self.clock)
        self.learning = KbLearningService(db, self.knowledge, self.clock, kb_dir)

    async def ask(self, text: str, dislike: bool = False) -> str:
        answer = await self.enquiries.ask(RESIDENT, text)
        if dislike:
            await self.enquiries.feedback(RESIDENT, answer.query_id, helpful=False)
        return answer.kind if answer.entry is None else f"{answer.kind}:{answer.entry.id}"

    async def rows(self) -> list[OutboxMessage]:
        async with self.db.transaction() as session:
            stmt = select(OutboxMessage).where(OutboxMessage.message_key == MESSAGE_KEY)
            return list((await session.scalars(stmt.order_by(OutboxMessage.id))).all())

    async def key_of(self, question: str) -> str:
        return next(
            r.params["group"] for r in await self.rows() if question in r.params["questions"]
        )

    def learned(self) -> dict[str, object]:
        data: dict[str, object] = yaml.safe_load((self.kb_dir / "_learned.yaml").read_text("utf-8"))
        return data


async def world_of(db: Database, kb_dir: Path) -> World:
    await add_people(db)
    async with db.transaction() as session:
        await upsert_resident(
            session, telegram_id=ADMIN_2, chat_id=ADMIN_2, display_name="a2", now=T0
        )
        await set_resident_role(session, ADMIN_2, Role.ADMIN, now=T0)
    world = World(db, kb_dir)
    for text, dislike in (
        (ELDERLY_CARD, True),
        (RESTAURANT, False),
        (HAIRCUT, True),
        (PARKING, False),
    ):
        await world.ask(text, dislike)
    world.clock.now = MONDAY_9
    return world


def test_digest_slot_is_the_latest_monday_nine() -> None:
    assert digest_slot(MONDAY_9) == datetime(2026, 11, 9, 9, 0, tzinfo=TZ)
    assert digest_slot(datetime(2026, 11, 9, 8, 0, tzinfo=TZ)) == datetime(
        2026, 11, 2, 9, 0, tzinfo=TZ
    )
    assert digest_slot(datetime(2026, 11, 15, 23, 0, tzinfo=TZ)) == datetime(
        2026, 11, 9, 9, 0, tzinfo=TZ
    )


async def test_digest_reaches_admins_only_once_a_week(database: Database, kb_dir: Path) -> None:
    world = await world_of(database, kb_dir)
    assert await world.learning.send_weekly_digest() == 6  # three groups, two admins
    rows = await world.rows()
    assert {r.chat_id for r in rows} == {ADMIN, ADMIN_2}  # not the official, staff or resident
    asked = {q for r in rows for q in r.params["questions"]}
    assert asked == {ELDERLY_CARD, RESTAURANT, HAIRCUT}  # PARKING was answered and not 👎
    card = next(r for r in rows if ELDERLY_CARD in r.params["questions"])
    assert len(card.params["candidates"]) == 3 and "elderly-care" in card.params["candidates"]
    key = card.params["group"]
    assert card.buttons == [
        [{"key": "button.learning.attach", "data": f"kl:att:{key}"}],
        [{"key": "button.learning.out_of_scope", "data": f"kl:oos:{key}"}],
    ]
    world.clock.advance(days=1)  # the daily wake-up on Tuesday: this week's digest is out
    assert await world.learning.send_weekly_digest() == 0
    await world.ask("养狗要不要办证", dislike=True)  # none, or "none of these"
    world.clock.advance(days=6)  # next Monday: only what was asked since the last digest
    assert await world.learning.send_weekly_digest() == 2
    later = (await world.rows())[len(rows) :]
    assert [r.params["questions"] for r in later] == [["养狗要不要办证"]] * 2


async def test_attach_answers_the_next_identical_question(
    sqlite_database: Database, kb_dir: Path
) -> None:
    world = await world_of(sqlite_database, kb_dir)
    assert await world.ask(ELDERLY_CARD) in ("none", "suggest")
    await world.learning.send_weekly_digest()
    key = await world.key_of(ELDERLY_CARD)
    group = await world.learning.group(ADMIN, key)
    assert "elderly-care" in [c[0] for c in group.candidates] and group.decision is None

    decision = await world.learning.attach(ADMIN, key, "elderly-care")
    assert (decision.action, decision.entry_id, decision.added) == ("attach", "elderly-care", 1)
    assert await world.ask(ELDERLY_CARD) == "answer:elderly-care"  # no restart
    assert world.learned()["alternates"] == {"elderly-care": [ELDERLY_CARD]}
    assert not (default_data_dir() / "_learned.yaml").exists()
    assert LiveKnowledge(kb_dir).kb.entry("elderly-care").questions[-1] == ELDERLY_CARD  # kept

    # a double press, or another admin pressing afterwards, changes nothing
    text = (kb_dir / "_learned.yaml").read_text("utf-8")
    again = await world.learning.attach(ADMIN, key, "elderly-care")
    other = await world.learning.mark_out_of_scope(ADMIN_2, key)
    assert again.already_decided and again.added == 0
    assert other.already_decided and (other.action, other.by) == ("attach", ADMIN)
    assert (kb_dir / "_learned.yaml").read_text("utf-8") == text
    decided = [r.params["decision"] for r in await world.rows() if r.params["group"] == key]
    assert len(decided) == 2 and all(d["entry_id"] == "elderly-care" for d in decided)


async def test_out_of_scope_makes_the_question_get_none(
    sqlite_database: Database, kb_dir: Path
) -> None:
    world = await world_of(sqlite_database, kb_dir)
    assert await world.ask(HAIRCUT) != "none"
    await world.learning.send_weekly_digest()
    key = await world.key_of(HAIRCUT)
    decision = await world.learning.mark_out_of_scope(ADMIN, key)
    assert (decision.action, decision.added) == ("out_of_scope", 1)
    assert await world.ask(HAIRCUT) == "none"
    assert world.learned()["out_of_scope"] == [HAIRCUT]


async def test_only_admins_decide(database: Database, kb_dir: Path) -> None:
    world = await world_of(database, kb_dir)
    await world.learning.send_weekly_digest()
    key = await world.key_of(RESTAURANT)
    for person in (RESIDENT, STAFF, OFFICIAL):
        with pytest.raises(PermissionDenied):
            await world.learning.mark_out_of_scope(person, key)
        with pytest.raises(PermissionDenied):
            await world.learning.attach(person, key, "convenience-services")
        with pytest.raises(PermissionDenied):
            await world.learning.group(person, key)
    assert not (kb_dir / "_learned.yaml").exists()
    with pytest.raises(NotFound):
        await world.learning.attach(ADMIN, key, "no-such-entry")
    with pytest.raises(NotFound):
        await world.learning.mark_out_of_scope(ADMIN, "20990101-1")


async def test_a_knowledge_base_that_cannot_be_written_is_a_clear_error(
    sqlite_database: Database, kb_dir: Path, tmp_path: Path
) -> None:
    world = await world_of(sqlite_database, kb_dir)
    await world.learning.send_weekly_digest()
    key = await world.key_of(RESTAURANT)
    not_a_dir = tmp_path / "read-only-kb"
    not_a_dir.write_text("")
    stuck = KbLearningService(sqlite_database, world.knowledge, world.clock, not_a_dir)
    with pytest.raises(KnowledgeNotWritable, match=r"read-only-kb.*LINLI_KB_DIR"):
        await stuck.mark_out_of_scope(ADMIN, key)
    assert (await world.learning.group(ADMIN, key)).decision is None  # not recorded: retry works
    assert (await world.learning.mark_out_of_scope(ADMIN, key)).added == 1


async def test_an_english_question_says_so_for_an_english_answer(
    sqlite_database: Database, kb_dir: Path
) -> None:
    world = World(sqlite_database, kb_dir)
    answer = await world.enquiries.ask(RESIDENT, "How do I apply for dibao?")
    assert (answer.kind, answer.language) == ("answer", "en")
    assert answer.entry is not None and answer.entry.answer_en
    assert (await world.enquiries.ask(RESIDENT, "低保怎么申请")).language == "zh"


async def test_admins_read_unanswered_questions_with_phone_numbers_masked(
    database: Database, kb_dir: Path
) -> None:
    world = await world_of(database, kb_dir)
    assert await world.ask("+86 138-1234-5678") == "none"
    assert await world.ask("我的电话13812345678，老年卡怎么办理", dislike=True) != "none"

    # `linli kb unanswered` prints these groups as they come.
    groups = await unanswered_groups(database, since=None)
    listed = [q for g in groups for q in (g.example, *g.questions)]
    assert "861****5678" in listed and "我的电话138****5678，老年卡怎么办理" in listed
    assert await world.learning.send_weekly_digest() > 0
    digest = "".join(t("zh-Hans", r.message_key, **r.params) for r in await world.rows())
    assert "861****5678" in digest and "138****5678，老年卡" in digest
    assert not any("1234" in text for text in (*listed, digest))
