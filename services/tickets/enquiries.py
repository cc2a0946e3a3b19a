"""Residents' questions: match against the knowledge base, log, and take feedback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from knowledge import DecisionKind
from knowledge.emergency import emergency
from knowledge.follow_up import follows_up
from knowledge.normalize import fold
from knowledge.person_request import asks_for_person
from knowledge.small_talk import small_talk
from services import events
from services.errors import InvalidInput, NotFound
from services.knowledge.live import LiveKnowledge
from services.knowledge.query_log import QueryLogWriter
from services.residents.bans import BanCheck
from services.residents.limits import ResidentLimits, Throttle, TooManyRequests
from services.views import AnswerView, EntryView
from storage import Database
from storage.models import DECISION_EMERGENCY, DECISION_PERSON
from storage.repositories import query_log
from storage.repositories import residents as residents_repo
from storage.repositories.query_log import LoggedQuestion

Clock = Callable[[], datetime]
# Longer questions are cut before matching and logging: nobody's real question is this long,
# and it keeps one pasted novel from costing the matcher or the log anything.
MAX_QUESTION_CHARS = 1000
FOLLOW_UP_WINDOW = timedelta(minutes=15)
"""A short follow-up (那要带什么材料) is read against an answer given this recently."""


class EnquiryService:
    """The resident's question-and-answer path."""

    def __init__(
        self,
        db: Database,
        knowledge: LiveKnowledge,
        clock: Clock,
        limits: ResidentLimits | None = None,
        bans: BanCheck | None = None,
    ) -> None:
        self._db = db
        self._knowledge = knowledge
        self._clock = clock
        self._log = QueryLogWriter(db)
        per_minute = (limits or ResidentLimits()).questions_per_minute
        self._questions = Throttle("questions", per_minute, timedelta(minutes=1), clock)
        self._bans = bans or BanCheck(db, clock)

    async def ask(self, telegram_id: int, text: str) -> AnswerView:
        """Decide answer / suggest / none for a question and record it in the query log;
        an emergency or a request for a person is recognised (and logged) before matching.

        TooManyRequests past the resident's limit: one person sending hundreds of questions
        at once must not hold the matcher (and the other residents) for minutes. Banned (a
        TooManyRequests) while staff have banned the resident."""
        question = text.strip()[:MAX_QUESTION_CHARS]
        if not question:
            raise InvalidInput("empty question")
        # An emergency is answered with what to do now before anything else: before a
        # decision kept for the same words, and to a banned or hurried resident too (only
        # not logged then, so without the "ask a person" that needs the logged question).
        alarm = emergency(question)
        if alarm is not None:
            try:
                await self._admit(telegram_id)
                query_id = await self._log_unmatched(telegram_id, question, DECISION_EMERGENCY)
            except TooManyRequests:  # Banned included
                query_id = 0
            urgent = tuple(e.value for e in alarm.emergencies)
            return AnswerView(DECISION_EMERGENCY, query_id, None, (), alarm.language, urgent)
        await self._admit(telegram_id)
        wants_person = asks_for_person(question)
        if wants_person is not None:  # 转人工: the way to a person, not an article
            query_id = await self._log_unmatched(telegram_id, question, DECISION_PERSON)
            return AnswerView(DECISION_PERSON, query_id, None, (), wants_person)
        # A question asked before in the same words is answered from the kept decision (small
        # talk never reaches the matcher, so nothing kept is small talk). Matching with every
        # layer takes tens of milliseconds (the embedding model): in a worker thread, so that
        # the event loop keeps serving other residents meanwhile.
        matcher = self._knowledge.matcher
        decision = matcher.kept(question)
        if decision is None:
            talk = small_talk(question)
            if talk is not None:  # 你好, 谢谢: answered kindly, neither matched nor logged
                return AnswerView(talk.talk.value, 0, None, (), talk.language)
            decision = await asyncio.to_thread(matcher.decide, question)
        kind, entry_id = decision.kind, decision.entry_id
        if kind is not DecisionKind.ANSWER and follows_up(question):
            # 那要带什么材料 right after the 低保 answer: about 低保 (what it names alone
            # matches nothing, or every service). Answered from that entry and logged with
            # it: a second follow-up reads the same topic.
            topic = await self._recent_topic(telegram_id)
            if topic is not None and self._knowledge.entry_view(topic) is not None:
                kind, entry_id = DecisionKind.ANSWER, topic
        query_id = await self._log_decided(
            telegram_id,
            question,
            kind.value,
            normalized=decision.normalized,
            entry_id=entry_id,
            score=round(decision.score, 4),
            candidates=[{"entry_id": c.entry_id, "score": c.score} for c in decision.candidates],
        )
        entry = None
        if kind is DecisionKind.ANSWER and entry_id is not None:
            entry = self._knowledge.entry_view(entry_id)
        suggestions = tuple(
            t
            for c in (decision.suggestions() if kind is decision.kind else ())
            if (t := self._knowledge.titles(c.entry_id))
        )
        return AnswerView(kind.value, query_id, entry, suggestions, decision.language)

    async def _recent_topic(self, telegram_id: int) -> str | None:
        since = self._clock() - FOLLOW_UP_WINDOW
        async with self._db.reading() as session:
            return await query_log.recent_topic(session, telegram_id, since)

    async def _admit(self, telegram_id: int) -> None:
        """Banned, or TooManyRequests past the resident's limit."""
        await self._bans.refuse_if_banned(telegram_id)
        self._questions.check(telegram_id)

    async def _log_unmatched(self, telegram_id: int, question: str, decision: str) -> int:
        """Log a message recognised before matching: no entry, no candidates."""
        return await self._log_decided(telegram_id, question, decision, normalized=fold(question))

    async def _log_decided(
        self,
        telegram_id: int,
        question: str,
        decision: str,
        *,
        normalized: str,
        entry_id: str | None = None,
        score: float = 0.0,
        candidates: list[dict[str, object]] | None = None,
    ) -> int:
        """Count the decision (metrics) and log the question with it; the query log's id."""
        events.emit(events.QUESTION_DECIDED, decision=decision)
        return await self._log.log(
            LoggedQuestion(
                asker_telegram_id=telegram_id,
                asked_at=self._clock(),
                raw_text=question,
                normalized_text=normalized,
                decision=decision,
                entry_id=entry_id,
                score=score,
                candidates=candidates or [],
            )
        )

    async def choose(self, telegram_id: int, query_id: int, entry_id: str) -> EntryView:
        """The resident picked a "did you mean" suggestion: show it and log the choice."""
        entry = self.entry(entry_id)
        async with self._db.transaction() as session:
            resident = await residents_repo.get_resident(session, telegram_id)
            if resident is not None:
                await query_log.set_chosen_entry(session, query_id, resident.id, entry_id)
        return entry

    async def reject_suggestions(self, telegram_id: int, query_id: int) -> None:
        """The resident said none of the suggestions fit: that is a 👎, so operators see the
        question among the unanswered ones."""
        await self.feedback(telegram_id, query_id, helpful=False)

    async def feedback(self, telegram_id: int, query_id: int, helpful: bool) -> bool:
        """Store 👍/👎 for an answer; False when the query is not the resident's."""
        async with self._db.transaction() as session:
            resident = await residents_repo.get_resident(session, telegram_id)
            if resident is None:
                return False
            stored = await query_log.set_feedback(
                session, query_id, resident.id, 1 if helpful else -1, self._clock()
            )
        if stored:
            events.emit(events.ANSWER_FEEDBACK, feedback="helpful" if helpful else "unhelpful")
        return stored

    def entry(self, entry_id: str) -> EntryView:
        """One entry for display (menu browsing, follow-up buttons)."""
        view = self._knowledge.entry_view(entry_id)
        if view is None:
            raise NotFound(entry_id)
        return view
