"""A staff member's unfinished /record (代录): one row each, the answers as a JSON object."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RecordingDraft


async def get_recording(session: AsyncSession, recorder_telegram_id: int) -> RecordingDraft | None:
    """The recording under way, or None."""
    return await session.get(RecordingDraft, recorder_telegram_id, populate_existing=True)


async def save_recording(
    session: AsyncSession, recorder_telegram_id: int, fields: dict[str, Any], now: datetime
) -> RecordingDraft:
    """Create or replace the answers of the recording (a new dict: JSON is not tracked in
    place)."""
    draft = await get_recording(session, recorder_telegram_id)
    if draft is None:
        draft = RecordingDraft(recorder_telegram_id=recorder_telegram_id, fields={}, updated_at=now)
        session.add(draft)
    draft.fields = dict(fields)
    draft.updated_at = now
    await session.flush()
    return draft


async def delete_recording(session: AsyncSession, recorder_telegram_id: int) -> bool:
    """Forget the recording; False when there was none."""
    result = await session.execute(
        delete(RecordingDraft)
        .where(RecordingDraft.recorder_telegram_id == recorder_telegram_id)
        .returning(RecordingDraft.recorder_telegram_id)
    )
    return result.first() is not None
