"""The staff desk's rule of who and where: a staff role, acting from the desk (the central
staff chat, or the chat of one of the district's units).

A staff command can be typed by anyone anywhere, and a button pressed with forged data from
any chat; the handler's own check is for a friendly answer only. Use cases that belong to
the staff chat call this with the caller's Actor inside their transaction.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.access import Actor, WrongPlace
from services.district import current
from services.errors import PermissionDenied
from services.residents.service import STAFF_ROLES
from storage import Role
from storage.models import Resident
from storage.repositories import residents as repo

STAFF_CHAT = "the staff chat"


async def staff_in_staff_chat(
    session: AsyncSession, actor: Actor, staff_chat_id: int | None
) -> Resident:
    """The acting person's record if they hold a staff, official or admin role and act from
    the configured staff chat; PermissionDenied without the role, WrongPlace elsewhere
    (also when no staff chat is configured: then there is no such place)."""
    person = await repo.get_resident(session, actor.telegram_id)
    if person is None or Role(person.role) not in STAFF_ROLES:
        raise PermissionDenied("staff")
    if not in_staff_chat(actor, staff_chat_id):
        raise WrongPlace(STAFF_CHAT)
    return person


def in_staff_chat(actor: Actor, staff_chat_id: int | None) -> bool:
    """Whether the request came from the desk: the central staff chat or a unit's chat
    (services/tickets/units.py says which tickets a unit's staff may act on)."""
    central = staff_chat_id is not None and actor.chat_id == staff_chat_id
    return central or actor.chat_id in current.unit_chats()
