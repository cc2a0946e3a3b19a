"""The weekly knowledge-base digest as a scheduler job (services/kb_learning.py).

The scheduler only has daily and repeating jobs; the digest job wakes daily at 09:00 (and
once after start) and the service sends at most one digest per week (Monday 09:00 onwards),
so a Monday missed while linli was down is caught up at the next start.
"""

from __future__ import annotations

from datetime import time

from bot.scheduler import ScheduledJob
from services import Services

DIGEST_JOB = "kb_learning.digest"
DIGEST_WAKE_AT = time(9, 0)


def learning_jobs(services: Services) -> list[ScheduledJob]:
    """The digest job, once the services offer ``kb_learning``."""
    learning = getattr(services, "kb_learning", None)
    if learning is None:
        return []
    return [ScheduledJob(DIGEST_JOB, learning.send_weekly_digest, daily_at=DIGEST_WAKE_AT)]
