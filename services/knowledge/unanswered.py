"""What residents asked that linli could not answer, grouped so operators see what to add,
phone numbers masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz

from services.reports.scrub import mask_phone_numbers
from storage import Database
from storage.repositories import query_log

# Two questions belong to one group when their normalised texts are at least this similar
# (rapidfuzz token-set ratio, 0-100): loose enough to join rephrasings of one need.
SIMILAR = 70.0


@dataclass(frozen=True, slots=True)
class UnansweredGroup:
    """Questions that look alike; ``example`` is the most recent one."""

    example: str
    count: int
    questions: tuple[str, ...]
    disliked: int  # how many of them got an answer the resident rated 👎


async def unanswered_groups(
    db: Database, *, since: datetime | None, limit: int = 5000
) -> list[UnansweredGroup]:
    """Questions decided *none* or rated 👎, grouped by similarity, most frequent first."""
    async with db.transaction() as session:
        rows = await query_log.list_unanswered(session, since=since, limit=limit)
        # Admins read these (the weekly digest, `linli kb unanswered`): a question is not
        # theirs to call back, so a phone number typed in it is masked as on the staff card.
        items = [
            (r.normalized_text or r.raw_text, mask_phone_numbers(r.raw_text), r.feedback == -1)
            for r in rows
        ]
    groups: list[tuple[str, list[tuple[str, bool]]]] = []
    for normalized, raw, disliked in items:
        for key, members in groups:
            if fuzz.token_set_ratio(key, normalized) >= SIMILAR:
                members.append((raw, disliked))
                break
        else:
            groups.append((normalized, [(raw, disliked)]))
    result = [
        UnansweredGroup(
            example=members[0][0],
            count=len(members),
            questions=tuple(dict.fromkeys(raw for raw, _ in members)),
            disliked=sum(1 for _, d in members if d),
        )
        for _, members in groups
    ]
    return sorted(result, key=lambda g: -g.count)
