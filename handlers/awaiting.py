"""Typed private messages go to the flow the person owes an answer to.

What someone owes linli next is one record in the database (services/residents/awaiting.py),
so this is the whole routing: one primary-key read per typed private message, then the
flow's route from the table that handlers/registry.py passes in (like the states table of
PTB's conversationbot example). Nothing owed: the message goes on to the question path.
A flow claims the person when it asks its question; claiming over another flow tells the
person what happened to that one. /cancel in a private chat ends whatever is owed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.context import Context
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.replies import reply
from services.residents.awaiting import AwaitingView, Owed

INPUT_GROUP = -3
"""PTB handler group of the router: before every other group, and alone in it for typed
text, because in one group only the first handler whose filter matches runs, and the router
lets a message it does not take go on (to replies to ticket messages in group -1, the
question path in 0). The one other handler here takes commands only (a command ends the
optional words after a rating, handlers/tickets/commands.py)."""

Route = Callable[[Update, Context, AwaitingView], Awaitable[bool]]
"""Take the message as the answer owed (True), or leave it to the question path (False:
the flow is over, e.g. its draft expired; the route forgets it)."""
Cancel = Callable[[Update, Context, Caller, AwaitingView], Awaitable[bool]]
"""End the flow owed, and say so (False: it had ended already, nothing was cancelled)."""


async def claim(
    update: Update, context: Context, caller: Caller, kind: Owed, reference: str = ""
) -> None:
    """From now on the person's typed messages answer ``kind``; if that replaces another
    flow, tell them what became of it (drafts stay, and their command resumes them)."""
    replaced = await context.services.awaiting.expect(caller.resident.telegram_id, kind, reference)
    if replaced is not None:
        await reply(update, t(caller.language, f"awaiting.replaced.{replaced.value}"))


async def release(context: Context, telegram_id: int, *kinds: Owed) -> None:
    """The person owes ``kinds`` (or anything, when none are named) no more."""
    await context.services.awaiting.done(telegram_id, *kinds)


def saying(key: str) -> Cancel:
    """A Cancel for a flow that keeps nothing to undo: it only tells the person ``key``."""

    async def cancel(update: Update, context: Context, caller: Caller, owed: AwaitingView) -> bool:
        await reply(update, t(caller.language, key))
        return True

    return cancel


Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def input_router(routes: Mapping[Owed, Route]) -> Handler:
    """The handler for typed private messages (handler group INPUT_GROUP)."""

    async def route(update: Update, context: Context) -> None:
        user = update.effective_user
        if user is None:
            return
        owed = await context.services.awaiting.awaiting(user.id)
        route = routes.get(owed.kind) if owed is not None else None
        if route is None or owed is None:
            return  # nothing owed, or owed elsewhere (a reject reason in the staff chat)
        if await route(update, context, owed):
            raise ApplicationHandlerStop

    return route


def cancel_command(
    cancels: Mapping[Owed, Cancel],
    otherwise: Callable[[Update, Context, Caller], Awaitable[object]],
) -> Handler:
    """/cancel in a private chat: end the flow owed (``otherwise`` when nothing is)."""

    async def cancel(update: Update, context: Context) -> None:
        caller = await identify(update, context)
        if caller is None:
            return
        owed = await context.services.awaiting.done(caller.resident.telegram_id, *cancels)
        if owed is None or not await cancels[owed.kind](update, context, caller, owed):
            await otherwise(update, context, caller)

    return cancel
