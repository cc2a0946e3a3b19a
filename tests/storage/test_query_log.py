"""Query log repository: logging questions and the rule that only the asker rates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from storage import Database
from storage.models import QueryLog, Resident
from storage.repositories.query_log import (
    SQLITE_ROWS_PER_INSERT,
    LoggedQuestion,
    add_queries,
    add_query,
    get_query,
    list_unanswered,
    set_feedback,
)
from storage.repositories.residents import upsert_resident

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


async def _resident(database: Database, telegram_id: int) -> int:
    async with database.transaction() as session:
        resident = await upsert_resident(
            session, telegram_id=telegram_id, chat_id=telegram_id, display_name="", now=T0
        )
        return resident.id


async def _ask(
    database: Database,
    asker_telegram_id: int | None,
    *,
    decision: str = "answer",
    at: datetime = T0,
    text: str = "低保怎么申请",
) -> QueryLog:
    async with database.transaction() as session:
        query_id = await add_query(
            session,
            LoggedQuestion(
                asker_telegram_id=asker_telegram_id,
                asked_at=at,
                raw_text=text,
                normalized_text=text,
                decision=decision,
                entry_id="dibao-apply" if decision != "none" else None,
                score=0.91 if decision != "none" else 0.2,
                candidates=[
                    {"entry_id": "dibao-apply", "score": 0.91},
                    {"entry_id": "x", "score": 0.5},
                ],
            ),
        )
        logged = await get_query(session, query_id)
    assert logged is not None
    return logged


async def test_a_question_is_logged_with_its_candidates(database: Database) -> None:
    asker = await _resident(database, 1)
    logged = await _ask(database, 1, text="低保怎麼申請？")
    assert logged.id is not None
    async with database.transaction() as session:
        stored = await get_query(session, logged.id)
    assert stored is not None
    assert (stored.resident_id, stored.raw_text, stored.decision) == (
        asker,
        "低保怎麼申請？",
        "answer",
    )
    assert stored.entry_id == "dibao-apply"
    assert stored.score == pytest.approx(0.91)
    assert stored.candidates == [
        {"entry_id": "dibao-apply", "score": 0.91},
        {"entry_id": "x", "score": 0.5},
    ]
    assert stored.asked_at == T0
    assert (stored.feedback, stored.feedback_at) == (None, None)


async def test_only_the_asker_may_rate_and_a_new_rating_replaces_the_old(
    database: Database,
) -> None:
    asker, stranger = await _resident(database, 1), await _resident(database, 2)
    logged = await _ask(database, 1)
    later = T0 + timedelta(minutes=5)
    async with database.transaction() as session:
        assert await set_feedback(session, logged.id, stranger, -1, T0) is False
        assert await set_feedback(session, logged.id + 999, asker, 1, T0) is False
    async with database.transaction() as session:
        assert (await get_query(session, logged.id)).feedback is None  # type: ignore[union-attr]
        assert await set_feedback(session, logged.id, asker, 1, T0) is True
    async with database.transaction() as session:
        assert await set_feedback(session, logged.id, asker, -1, later) is True
    async with database.transaction() as session:
        stored = await get_query(session, logged.id)
    assert stored is not None
    assert (stored.feedback, stored.feedback_at) == (-1, later)


async def test_anonymous_questions_cannot_be_rated(database: Database) -> None:
    someone = await _resident(database, 1)
    logged = await _ask(database, None)
    async with database.transaction() as session:
        assert await set_feedback(session, logged.id, someone, 1, T0) is False


async def test_feedback_other_than_plus_or_minus_one_is_refused(database: Database) -> None:
    asker = await _resident(database, 1)
    logged = await _ask(database, 1)
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="feedback"):
            await set_feedback(session, logged.id, asker, 5, T0)


async def test_unanswered_lists_none_decisions_and_thumbs_down(database: Database) -> None:
    asker = await _resident(database, 1)
    old_none = await _ask(database, 1, decision="none", at=T0 - timedelta(days=10))
    answered_ok = await _ask(database, 1, at=T0)
    answered_bad = await _ask(database, 1, at=T0 + timedelta(hours=1))
    suggested = await _ask(database, 1, decision="suggest", at=T0 + timedelta(hours=2))
    new_none = await _ask(database, 1, decision="none", at=T0 + timedelta(hours=3))
    async with database.transaction() as session:
        await set_feedback(session, answered_ok.id, asker, 1, T0)
        await set_feedback(session, answered_bad.id, asker, -1, T0)
    async with database.transaction() as session:
        everything = [q.id for q in await list_unanswered(session, since=None)]
        recent = [q.id for q in await list_unanswered(session, since=T0)]
        newest = [q.id for q in await list_unanswered(session, since=None, limit=1)]
    assert everything == [new_none.id, answered_bad.id, old_none.id]
    assert recent == [new_none.id, answered_bad.id]
    assert newest == [new_none.id]
    assert suggested.id not in everything


async def test_deleting_a_resident_keeps_their_questions(database: Database) -> None:
    asker = await _resident(database, 1)
    logged = await _ask(database, 1)
    async with database.transaction() as session:
        await session.delete(await session.get(Resident, asker))
    async with database.transaction() as session:
        stored = await get_query(session, logged.id)
        assert stored is not None
        await session.refresh(stored)
    assert stored.resident_id is None


async def test_many_questions_are_logged_in_one_statement_in_order(database: Database) -> None:
    await _resident(database, 1)
    questions = [
        LoggedQuestion(asker, T0, text, text, "none", None, 0.0, [])
        for asker, text in ((1, "甲"), (None, "乙"), (1, "丙"), (999, "丁"))
    ]
    await _ask(database, 1, text="earlier")  # ids below the batch's are taken
    inserts: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with database.transaction() as session:
            ids = await add_queries(session, questions)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert len(inserts) == 1  # not one per question (SQLAlchemy's fallback on SQLite)
    async with database.transaction() as session:
        rows = [await get_query(session, query_id) for query_id in ids]
    assert [(r.raw_text, r.resident_id is not None) for r in rows if r] == [
        ("甲", True),
        ("乙", False),
        ("丙", True),
        ("丁", False),  # someone linli does not know: logged without a resident
    ]


async def test_more_questions_than_one_insert_takes_are_all_logged_in_order(
    database: Database,
) -> None:
    texts = [f"问题{i}" for i in range(SQLITE_ROWS_PER_INSERT * 2 + 3)]
    questions = [LoggedQuestion(None, T0, t, t, "none", None, 0.0, []) for t in texts]
    async with database.transaction() as session:
        ids = await add_queries(session, questions)
        rows = [await get_query(session, query_id) for query_id in ids]
    assert [r.raw_text for r in rows if r] == texts
