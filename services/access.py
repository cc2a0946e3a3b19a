"""Who asks, and from where: the caller every use case checks before it reads or changes
anything.

A button press can be forged with any callback data from any chat, so a handler's idea of
"this came from the staff chat" is not enough: the chat travels with the person into the
service, and each use case checks role, ownership and place in one rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Actor:
    """A person acting through linli: their Telegram id and the chat the request came from.

    In Telegram a private chat's id is the user's id, so ``private`` needs no extra flag.
    """

    telegram_id: int
    chat_id: int

    @property
    def private(self) -> bool:
        return self.chat_id == self.telegram_id

    @classmethod
    def in_private(cls, telegram_id: int) -> Actor:
        """The person in their own chat with linli (also: the console and the command line,
        which act for a person with no group around them)."""
        return cls(telegram_id, telegram_id)


class WrongPlace(PermissionDenied):
    """The person may do this, but not from this chat (a staff action outside the staff
    chat, a resident's own action from a group)."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"only in {where}")


def require_private(actor: Actor) -> None:
    """Actions on one's own data happen in one's own chat with linli."""
    if not actor.private:
        raise WrongPlace("private")
