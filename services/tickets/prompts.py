"""The staff desk's "reject: reason?" prompts: what a staff member owes linli next, kept
with every other such answer (services/residents/awaiting.py), so they survive a restart
and every process sees them.

Pressing reject on a card posts a prompt in the staff chat; the staff member's next message
there, or anyone's reply to the prompt, is the reason (StaffDesk.reject then rejects). A
person owes one thing at a time, so a new prompt (or another flow) replaces an open one. A
prompt left unanswered for REJECT_PROMPT_TTL takes no message any more; the scheduled
``awaiting.expire`` job deletes it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.errors import PermissionDenied
from services.residents.awaiting import REJECT_PROMPT_TTL, Owed
from services.tickets.trail import TicketTrail
from services.tickets.views import RejectPromptView
from storage.models import Awaiting
from storage.repositories import awaiting as owed_repo
from storage.repositories import tickets as repo


class RejectPrompts:
    """Open, take and cancel the reject prompts of the staff chat."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def open(self, actor: Actor, number: str, prompt_message_id: int) -> RejectPromptView:
        """Remember that ``actor`` was asked, by the message ``prompt_message_id`` in their
        chat, for the reason to reject ``number``; whatever they owed before is replaced.
        PermissionDenied unless staff at the desk; NotFound for an unknown number."""
        now = self._trail.clock()
        async with self._trail.db.transaction() as session:
            await self._trail.staff(session, actor)
            ticket = await self._trail.ticket(session, number)
            await owed_repo.save_awaiting(
                session,
                telegram_id=actor.telegram_id,
                kind=Owed.REJECT_REASON.value,
                reference=str(ticket.id),
                expires_at=now + REJECT_PROMPT_TTL,
                updated_at=now,
                chat_id=actor.chat_id,
                message_id=prompt_message_id,
            )
            return RejectPromptView(ticket.number, prompt_message_id, now)

    async def take(self, actor: Actor, replied_to: int | None) -> RejectPromptView | None:
        """The prompt that ``actor``'s message in their chat answers, taken so that it
        answers once: for a reply to the message ``replied_to``, the prompt posted as that
        message (whoever pressed reject); for a message replying to nothing, the sender's own
        prompt. None when there is none, when it is too old, or when the sender holds no
        staff role at the desk (their message takes nothing, so the prompt stays open)."""
        async with self._trail.db.transaction() as session:
            if not await self._at_desk(session, actor):
                return None
            if replied_to is None:
                taken = await self._take(session, actor.chat_id, telegram_id=actor.telegram_id)
            else:
                taken = await self._take(session, actor.chat_id, message_id=replied_to)
            return None if taken is None else await self._prompt_view(session, taken)

    async def cancel(self, actor: Actor) -> RejectPromptView | None:
        """Drop ``actor``'s open prompt in their chat (/cancel); None when they have none
        (or hold no staff role at the desk)."""
        async with self._trail.db.transaction() as session:
            if not await self._at_desk(session, actor):
                return None
            taken = await self._take(session, actor.chat_id, telegram_id=actor.telegram_id)
            return None if taken is None else await self._prompt_view(session, taken)

    async def _at_desk(self, session: AsyncSession, actor: Actor) -> bool:
        """TicketTrail.staff's rule, as a yes/no: a message that is not a reason is no error."""
        try:
            await self._trail.staff(session, actor)
        except PermissionDenied:
            return False
        return True

    async def _take(self, session: AsyncSession, chat_id: int, **which: int) -> Awaiting | None:
        return await owed_repo.take_asked_in_chat(
            session,
            kind=Owed.REJECT_REASON.value,
            chat_id=chat_id,
            now=self._trail.clock(),
            **which,
        )

    async def _prompt_view(
        self, session: AsyncSession, prompt: Awaiting
    ) -> RejectPromptView | None:
        """The prompt as handlers see it; None if its ticket is gone (no foreign key holds
        a reference, so a ticket erased meanwhile leaves nothing to reject)."""
        ticket = await repo.get_ticket(session, int(prompt.reference))
        if ticket is None or prompt.message_id is None:
            return None
        return RejectPromptView(ticket.number, prompt.message_id, prompt.updated_at)
