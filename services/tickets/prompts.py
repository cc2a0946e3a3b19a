"""The staff desk's "reject: reason?" prompts, kept in the database so they survive a restart.

Pressing reject on a card posts a prompt in the staff chat; the staff member's next message
there, or anyone's reply to the prompt, is the reason (StaffDesk.reject then rejects).
Each staff member has at most one open prompt per chat. A prompt left unanswered for
REJECT_PROMPT_TTL takes no message any more; it is deleted the next time a prompt is opened,
taken or cancelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.tickets.trail import TicketTrail
from services.tickets.views import RejectPromptView
from storage.models import RejectPrompt
from storage.repositories import reject_prompts as prompts
from storage.repositories import tickets as repo

REJECT_PROMPT_TTL = timedelta(minutes=10)


class RejectPrompts:
    """Open, take and cancel the reject prompts of the staff chat."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def open(
        self, actor: int, chat_id: int, number: str, prompt_message_id: int
    ) -> RejectPromptView:
        """Remember that ``actor`` was asked, by the message ``prompt_message_id`` in
        ``chat_id``, for the reason to reject ``number``; their earlier prompt there is
        replaced. PermissionDenied unless staff; NotFound for an unknown number."""
        async with self._trail.db.transaction() as session:
            await self._trail.staff(session, actor)
            ticket = await self._trail.ticket(session, number)
            now = await self._forget_expired(session)
            await prompts.save_reject_prompt(
                session,
                chat_id=chat_id,
                staff_telegram_id=actor,
                ticket_id=ticket.id,
                prompt_message_id=prompt_message_id,
                asked_at=now,
            )
            return RejectPromptView(ticket.number, prompt_message_id, now)

    async def take(
        self, actor: int, chat_id: int, replied_to: int | None
    ) -> RejectPromptView | None:
        """The prompt that ``actor``'s message in ``chat_id`` answers, taken so that it
        answers once: for a reply to the message ``replied_to``, the prompt posted as that
        message (whoever pressed reject); for a message replying to nothing, the sender's own
        prompt. None when there is none, when it is too old, or when the sender holds no
        staff role (their message takes nothing, so the prompt stays open)."""
        async with self._trail.db.transaction() as session:
            await self._forget_expired(session)
            if await self._trail.staff_member(session, actor) is None:
                return None
            if replied_to is None:
                taken = await prompts.take_reject_prompt(session, chat_id, staff_telegram_id=actor)
            else:
                taken = await prompts.take_reject_prompt(
                    session, chat_id, prompt_message_id=replied_to
                )
            return None if taken is None else await self._prompt_view(session, taken)

    async def cancel(self, actor: int, chat_id: int) -> RejectPromptView | None:
        """Drop ``actor``'s open prompt in ``chat_id`` (/cancel); None when they have none
        (or hold no staff role)."""
        async with self._trail.db.transaction() as session:
            await self._forget_expired(session)
            if await self._trail.staff_member(session, actor) is None:
                return None
            taken = await prompts.take_reject_prompt(session, chat_id, staff_telegram_id=actor)
            return None if taken is None else await self._prompt_view(session, taken)

    async def _forget_expired(self, session: AsyncSession) -> datetime:
        """Delete every prompt older than REJECT_PROMPT_TTL; returns now."""
        now = self._trail.clock()
        await prompts.delete_reject_prompts_before(session, now - REJECT_PROMPT_TTL)
        return now

    async def _prompt_view(self, session: AsyncSession, prompt: RejectPrompt) -> RejectPromptView:
        ticket = await repo.get_ticket(session, prompt.ticket_id)
        assert ticket is not None  # the foreign key keeps the ticket
        return RejectPromptView(ticket.number, prompt.prompt_message_id, prompt.asked_at)
