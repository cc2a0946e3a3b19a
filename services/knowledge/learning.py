"""Teaching the knowledge base: a weekly digest of unanswered questions for admins.

Every Monday (the scheduler wakes ``send_weekly_digest`` daily; it acts once per week) the
questions decided *none* or rated 👎 since the last digest are grouped by similarity
(services.unanswered) and each group becomes one outbox message per admin, with buttons to
attach it to an entry as alternate questions or to mark it out of scope.

The digest rows are the state: their params hold the group (questions, candidate entries)
and, once an admin decided, the decision; no table is needed. Decisions are written to
``_learned.yaml`` in the knowledge-base directory, which knowledge.loader merges, so the
authored files (and their comments) are never rewritten, and the live knowledge base is
reloaded at once. A second press, by the same or another admin, changes nothing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge import KnowledgeBaseError, Matcher, default_data_dir
from knowledge.loader import LEARNED_FILE
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.knowledge.learned import ATTACH, OUT_OF_SCOPE, add_learned, restore
from services.knowledge.live import LiveKnowledge
from services.knowledge.unanswered import UnansweredGroup, unanswered_groups
from services.notices.bulletin_schedule import Schedule, latest_run
from services.workdays.worktime import TIMEZONE
from storage import Database, Role
from storage.models import OutboxMessage, Recurrence
from storage.repositories import outbox as outbox_repo
from storage.repositories import residents as residents_repo
from storage.repositories.reminders import list_active_with_roles

Clock = Callable[[], datetime]
MESSAGE_KEY = "learning.group"
KEY_PREFIX = "kb-learn"
CALLBACK_PREFIX = "kl"
WEEKLY = Schedule(Recurrence.WEEKLY, time(9, 0), weekday=0)  # Monday 09:00, local time
MAX_GROUPS = 15  # a digest an admin can work through in one sitting
MAX_QUESTIONS = 20  # per group: what is stored, shown and attached
CANDIDATES = 3
_GROUP_KEY = re.compile(r"^\d{8}-\d{1,3}$")


@dataclass(frozen=True, slots=True)
class LearningGroup:
    """One group of a digest; ``candidates`` are (entry id, title, English title)."""

    key: str
    example: str
    questions: tuple[str, ...]
    candidates: tuple[tuple[str, str, str], ...]
    decision: LearningDecision | None


@dataclass(frozen=True, slots=True)
class LearningDecision:
    """What was decided for a group; ``added`` counts questions new to the knowledge base."""

    key: str
    action: str  # ATTACH or OUT_OF_SCOPE
    entry_id: str | None
    added: int
    by: int
    already_decided: bool = False


def digest_slot(now: datetime, tz: ZoneInfo = TIMEZONE) -> datetime:
    """The Monday 09:00 whose digest is due at ``now`` (the latest one at or before it)."""
    return latest_run(WEEKLY, now, tz)


def callback(action: str, key: str, *args: object) -> str:
    """Callback data of a digest button (``kl:<action>:<group key>[:arg]``, ascii, short)."""
    return ":".join([CALLBACK_PREFIX, action, key, *(str(a) for a in args)])


class KbLearningService:
    """The weekly digest, and admins' decisions on its groups."""

    def __init__(
        self,
        db: Database,
        knowledge: LiveKnowledge,
        clock: Clock,
        kb_dir: Path | None = None,
        default_language: str = "zh-Hans",
        tz: ZoneInfo = TIMEZONE,
    ) -> None:
        self._db = db
        self._knowledge = knowledge
        self._clock = clock
        self.kb_dir = kb_dir or default_data_dir()
        self._default_language = default_language
        self.tz = tz
        self._writing = asyncio.Lock()  # one decision at a time: check, write, reload, record

    async def send_weekly_digest(self, now: datetime | None = None) -> int:
        """Queue this week's digest unless it was queued; returns how many rows were queued.

        It covers questions asked since the previous digest was queued (all, the first
        time). A week with nothing to learn queues nothing.
        """
        now = now or self._clock()
        slot = digest_slot(now, self.tz).strftime("%Y%m%d")
        async with self._db.transaction() as session:
            last = await _last_digest(session)
            if last is not None and last[0] == slot:
                return 0
        groups = (await unanswered_groups(self._db, since=last[1] if last else None))[:MAX_GROUPS]
        if not groups:
            return 0
        matcher = self._knowledge.matcher
        candidates = await asyncio.to_thread(lambda: [_candidates(matcher, g) for g in groups])
        queued = 0
        async with self._db.transaction() as session:
            admins = await list_active_with_roles(session, [Role.ADMIN])
            for index, (group, entry_ids) in enumerate(zip(groups, candidates, strict=True), 1):
                key = f"{slot}-{index}"
                params = _params(key, index, len(groups), group, entry_ids)
                for admin in admins:
                    queued += await outbox_repo.add_message(
                        session,
                        chat_id=admin.chat_id,
                        telegram_id=admin.telegram_id,
                        language=admin.language or self._default_language,
                        message_key=MESSAGE_KEY,
                        params=params,
                        idempotency_key=f"{KEY_PREFIX}:{key}:{admin.telegram_id}",
                        now=now,
                        buttons=[
                            [{"key": "button.learning.attach", "data": callback("att", key)}],
                            [{"key": "button.learning.out_of_scope", "data": callback("oos", key)}],
                        ],
                    )
        return queued

    async def group(self, telegram_id: int, key: str) -> LearningGroup:
        """A digest group with its candidate entries and decision (admins only)."""
        async with self._db.transaction() as session:
            await _require_admin(session, telegram_id)
            params = (await _group_rows(session, key))[0].params
        return self._group(key, params)

    async def attach(self, telegram_id: int, key: str, entry_id: str) -> LearningDecision:
        """Add the group's questions to ``entry_id`` as alternates (admins only).

        NotFound for an unknown group or entry; KnowledgeNotWritable when the file cannot
        be written. Questions some entry already has are skipped (the same question in two
        entries would make the knowledge base invalid).
        """
        if self._knowledge.kb.entry(entry_id.strip()) is None:
            raise NotFound(f"entry {entry_id.strip()!r}")
        return await self._decide(telegram_id, key, ATTACH, entry_id.strip())

    async def mark_out_of_scope(self, telegram_id: int, key: str) -> LearningDecision:
        """Add the group's questions to the out-of-scope examples (admins only)."""
        return await self._decide(telegram_id, key, OUT_OF_SCOPE, None)

    async def _decide(
        self, telegram_id: int, key: str, action: str, entry_id: str | None
    ) -> LearningDecision:
        async with self._writing:
            async with self._db.transaction() as session:
                await _require_admin(session, telegram_id)
                params = (await _group_rows(session, key))[0].params
            done = self._group(key, params).decision
            if done is not None:
                return LearningDecision(
                    key, done.action, done.entry_id, 0, done.by, already_decided=True
                )
            questions = [str(q) for q in params.get("questions", [])]
            added = await self._learn(action, entry_id, questions)
            decision = {"action": action, "entry_id": entry_id, "added": added, "by": telegram_id}
            async with self._db.transaction() as session:
                for row in await _group_rows(session, key):
                    row.params = {**row.params, "decision": decision}
        return LearningDecision(key, action, entry_id, added, telegram_id)

    async def _learn(self, action: str, entry_id: str | None, questions: list[str]) -> int:
        """Write the decision to _learned.yaml and reload; the file is restored on failure."""
        path = self.kb_dir / LEARNED_FILE
        matcher = self._knowledge.matcher
        before, added = await asyncio.to_thread(
            add_learned, path, matcher, action, entry_id, questions
        )
        if not added:
            return 0
        try:
            await self._knowledge.reload()
        except KnowledgeBaseError as exc:
            await asyncio.to_thread(restore, path, before)
            raise InvalidInput(f"the knowledge base refused the change: {exc}") from exc
        return added

    def _group(self, key: str, params: dict[str, Any]) -> LearningGroup:
        titles = (self._knowledge.titles(e) for e in params.get("candidates", []))
        decided = params.get("decision")
        return LearningGroup(
            key=key,
            example=str(params.get("example", "")),
            questions=tuple(str(q) for q in params.get("questions", [])),
            candidates=tuple(t for t in titles if t is not None),
            decision=None
            if decided is None
            else LearningDecision(
                key, decided["action"], decided.get("entry_id"), decided["added"], decided["by"]
            ),
        )


def _candidates(matcher: Matcher, group: UnansweredGroup) -> list[str]:
    """The entries the group's questions come closest to, best summed score first."""
    scores: dict[str, float] = {}
    for question in group.questions[:MAX_QUESTIONS]:
        for candidate in matcher.decide(question).candidates:
            scores[candidate.entry_id] = scores.get(candidate.entry_id, 0.0) + candidate.score
    return sorted(scores, key=lambda e: -scores[e])[:CANDIDATES]


def _params(
    key: str, index: int, total: int, group: UnansweredGroup, candidates: list[str]
) -> dict[str, Any]:
    questions = list(group.questions[:MAX_QUESTIONS])
    return {
        "group": key,
        "index": index,
        "total": total,
        "count": group.count,
        "disliked": group.disliked,
        "example": group.example,
        "questions": questions,
        # Shown in the message; questions can be 1,000 characters and Telegram allows 4,096.
        "listed": "\n".join(f"• {_short(q)}" for q in questions),
        "candidates": candidates,
    }


def _short(question: str, limit: int = 80) -> str:
    return question if len(question) <= limit else question[: limit - 1] + "…"


async def _require_admin(session: AsyncSession, telegram_id: int) -> None:
    person = await residents_repo.get_resident(session, telegram_id)
    if person is None or person.role != Role.ADMIN:
        raise PermissionDenied("admin")


async def _group_rows(session: AsyncSession, key: str) -> Sequence[OutboxMessage]:
    """Every admin's row of one group (NotFound when there is none)."""
    if not _GROUP_KEY.match(key):
        raise NotFound(f"group {key!r}")
    rows = (
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key.like(f"{KEY_PREFIX}:{key}:%"))
            .order_by(OutboxMessage.id)
        )
    ).all()
    if not rows:
        raise NotFound(f"group {key!r}")
    return rows


async def _last_digest(session: AsyncSession) -> tuple[str, datetime] | None:
    """The slot (yyyymmdd) and time of the latest digest queued, if any."""
    row = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.created_at)
            .where(OutboxMessage.message_key == MESSAGE_KEY)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return row[0].split(":")[1].split("-")[0], row[1]
