"""The typed context every handler receives (PTB's ``ContextTypes``).

``context.services`` is linli's use cases, typed, instead of a string key into
``bot_data``: a handler calls services only, and a misspelt service is a type error, not a
``KeyError`` at run time. The process-level objects of the bot layer (delivery worker,
scheduler) live on a subclass of ``BotData`` in ``bot/context.py``; handlers never see them.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from services import Services


class BotData:
    """What the Application holds for every handler: linli's services and the staff chat."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self.staff_chat_id: int | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the Application was built without linli's services")
        return self._services

    @services.setter
    def services(self, services: Services) -> None:
        self._services = services


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """PTB's CallbackContext with linli's services on it."""

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def staff_chat_id(self) -> int | None:
        return self.bot_data.staff_chat_id


LinliApp: TypeAlias = Application[
    ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Context]
]
"""The Application as linli builds it (bot/app.py)."""
