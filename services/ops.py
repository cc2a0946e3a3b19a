"""What an operator's monitoring asks of a process: figures for gauges, and readiness."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.knowledge.live import LiveKnowledge
from storage import Database, UnknownRevisionError
from storage.migrate import pending_migrations
from storage.repositories import ops as repo

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class OpsFigures:
    """Gauges read from the database at one moment."""

    open_by_category: dict[str, int]
    overdue_by_category: dict[str, int]
    outbox: dict[tuple[str, str], int]  # (personal | bulk, pending | sending | dead) → rows


@dataclass(frozen=True, slots=True)
class KnowledgeState:
    """The live knowledge base: how many entries, which files, since when, refusals."""

    entries: int
    version: str
    loaded_at: float
    load_failures: int


class OpsService:
    """Read-only questions for metrics and health checks; no role needed (the listener is
    for the operator's monitoring, bound to a local address)."""

    def __init__(self, db: Database, knowledge: LiveKnowledge, clock: Clock) -> None:
        self._db = db
        self._knowledge = knowledge
        self._clock = clock

    async def figures(self) -> OpsFigures:
        """Open and overdue tickets per category, and the outbox's queue, in one transaction."""
        async with self._db.transaction() as session:
            return OpsFigures(
                open_by_category=await repo.open_tickets_by_category(session),
                overdue_by_category=await repo.overdue_tickets_by_category(session, self._clock()),
                outbox=await repo.outbox_queue(session),
            )

    async def database_problem(self) -> str | None:
        """None when the database answers and its schema is current; else what is wrong."""
        try:
            async with self._db.transaction() as session:
                await repo.ping(session)
        except Exception as exc:
            return f"database unreachable: {type(exc).__name__}"
        try:
            pending = await pending_migrations(self._db)
        except UnknownRevisionError:
            return "database is at a revision this linli does not know (a newer linli ran)"
        except Exception as exc:
            return f"cannot read the database's migrations: {type(exc).__name__}"
        if pending:
            return f"database has {len(pending)} pending migration(s): run `linli db upgrade`"
        return None

    def knowledge(self) -> KnowledgeState:
        """The live knowledge base's state."""
        live = self._knowledge
        return KnowledgeState(
            entries=len(live.kb.entries),
            version=live.version,
            loaded_at=live.loaded_at,
            load_failures=live.load_failures,
        )
