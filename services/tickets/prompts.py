"""The staff desk's prompts, "reject: reason?" and "reply: text?": what a staff member owes
linli next, kept with every other such answer (services/residents/awaiting.py), so they
survive a restart and every process sees them.

Pressing reject or reply on a card posts a prompt in the staff chat; the staff member's
next message there, or anyone's reply to the prompt, is the reason or the reply
(StaffDesk.reject / StaffDesk.reply then act). A person owes one thing at a time, so a new
prompt (or another flow) replaces an open one; /cancel is the way out. A prompt left
unanswered for its time (awaiting.WAIT) takes no message any more; the scheduled
``awaiting.expire`` job deletes it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor
from services.errors import PermissionDenied
from services.residents.awaiting import WAIT, Owed
from services.tickets.trail import TicketTrail
from services.tickets.views import DeskPromptView
from storage.models import Awaiting
from storage.repositories import awaiting as owed_repo
from storage.repositories import tickets as repo

PROMPTED = {"reject": Owed.REJECT_REASON, "reply": Owed.REPLY_TEXT}
"""The card actions that ask for typed text, and what the staff member then owes."""
_ACTIONS = {kind.value: action for action, kind in PROMPTED.items()}


class DeskPrompts:
    """Open, take and cancel the prompts of the staff chat."""

    def __init__(self, trail: TicketTrail) -> None:
        self._trail = trail

    async def open(
        self, actor: Actor, number: str, prompt_message_id: int, action: str = "reject"
    ) -> DeskPromptView:
        """Remember that ``actor`` was asked, by the message ``prompt_message_id`` in their
        chat, for the text ``action`` (reject or reply) needs on ``number``; whatever they
        owed before is replaced. PermissionDenied unless staff at the desk; NotFound for an
        unknown number."""
        owed = PROMPTED[action]
        wait = WAIT[owed]
        assert wait is not None  # every prompt has a time limit
        now = self._trail.clock()
        async with self._trail.db.transaction() as session:
            await self._trail.staff(session, actor)
            ticket = await self._trail.ticket(session, number)
            await owed_repo.save_awaiting(
                session,
                telegram_id=actor.telegram_id,
                kind=owed.value,
                reference=str(ticket.id),
                expires_at=now + wait,
                updated_at=now,
                chat_id=actor.chat_id,
                message_id=prompt_message_id,
            )
            return DeskPromptView(ticket.number, prompt_message_id, now, action)

    async def take(self, actor: Actor, replied_to: int | None) -> DeskPromptView | None:
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

    async def cancel(self, actor: Actor) -> DeskPromptView | None:
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

    async def _take(
        self,
        session: AsyncSession,
        chat_id: int,
        *,
        telegram_id: int | None = None,
        message_id: int | None = None,
    ) -> Awaiting | None:
        return await owed_repo.take_asked_in_chat(
            session,
            kinds=list(_ACTIONS),
            chat_id=chat_id,
            now=self._trail.clock(),
            telegram_id=telegram_id,
            message_id=message_id,
        )

    async def _prompt_view(self, session: AsyncSession, prompt: Awaiting) -> DeskPromptView | None:
        """The prompt as handlers see it; None if its ticket is gone (no foreign key holds
        a reference, so a ticket erased meanwhile leaves nothing to reject)."""
        ticket = await repo.get_ticket(session, int(prompt.reference))
        if ticket is None or prompt.message_id is None:
            return None
        return DeskPromptView(
            ticket.number, prompt.message_id, prompt.updated_at, _ACTIONS[prompt.kind]
        )
