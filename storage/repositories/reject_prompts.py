"""The staff desk's open "reject: reason?" prompts, one per staff member and staff chat.

Functions take the caller's session and never commit. Taking a prompt deletes it in the
same statement (DELETE ... RETURNING), so two messages handled at once, even by two
processes, never both take the same prompt. How long a prompt stays open is a service rule.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RejectPrompt

_KEY = ["chat_id", "staff_telegram_id"]
_CHANGES = ("ticket_id", "prompt_message_id", "asked_at")


async def save_reject_prompt(
    session: AsyncSession,
    *,
    chat_id: int,
    staff_telegram_id: int,
    ticket_id: int,
    prompt_message_id: int,
    asked_at: datetime,
) -> None:
    """Open the staff member's prompt in this chat, replacing the one they had open."""
    values = {
        "chat_id": chat_id,
        "staff_telegram_id": staff_telegram_id,
        "ticket_id": ticket_id,
        "prompt_message_id": prompt_message_id,
        "asked_at": asked_at,
    }
    # One upsert, so two presses at once by the same person cannot both insert.
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(RejectPrompt).values(values)
        replace = {name: pg.excluded[name] for name in _CHANGES}
        await session.execute(pg.on_conflict_do_update(index_elements=_KEY, set_=replace))
    else:
        lite = sqlite.insert(RejectPrompt).values(values)
        replace = {name: lite.excluded[name] for name in _CHANGES}
        await session.execute(lite.on_conflict_do_update(index_elements=_KEY, set_=replace))


async def take_reject_prompt(
    session: AsyncSession,
    chat_id: int,
    *,
    prompt_message_id: int | None = None,
    staff_telegram_id: int | None = None,
) -> RejectPrompt | None:
    """Remove and return the open prompt in this chat that was posted as
    ``prompt_message_id``, or else the one ``staff_telegram_id`` has open; give exactly one."""
    if (prompt_message_id is None) == (staff_telegram_id is None):
        raise ValueError("give prompt_message_id or staff_telegram_id")
    which = (
        RejectPrompt.staff_telegram_id == staff_telegram_id
        if prompt_message_id is None
        else RejectPrompt.prompt_message_id == prompt_message_id
    )
    stmt = delete(RejectPrompt).where(RejectPrompt.chat_id == chat_id, which)
    return await session.scalar(stmt.returning(RejectPrompt))


async def delete_reject_prompts_before(session: AsyncSession, before: datetime) -> int:
    """Forget every prompt asked before ``before``; returns how many there were."""
    result = await session.execute(
        delete(RejectPrompt).where(RejectPrompt.asked_at < before).returning(RejectPrompt.chat_id)
    )
    return len(result.all())
