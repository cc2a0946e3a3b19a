"""Typed input and shared locations while a resident chooses where they live (Owed.PLACE):
text narrows the list of communities or buildings; a location picks the nearest community."""

from __future__ import annotations

from telegram import Update

from handlers.awaiting import release
from handlers.context import Context
from handlers.i18n import t
from handlers.people import actor_of, identify
from handlers.profile.commands import (
    BUILDING,
    ask_building,
    ask_community,
    refused,
)
from handlers.replies import reply
from services.access import WrongPlace
from services.residents.awaiting import AwaitingView, Owed
from services.residents.place import PlaceRefused, PlaceService, reads_as_question


async def on_message(update: Update, context: Context, owed: AwaitingView) -> bool:
    """Narrow the list (typed text matching nothing is told so, and the choosing goes on),
    or place a shared location; anything else ends the choosing and goes on as an ordinary
    message (False)."""
    message, actor = update.message, actor_of(update)
    places = context.services.places
    typed = message.text.strip() if message is not None and message.text else ""
    # A name searched for is written as the place is (in Chinese): it says nothing about
    # the resident's own language.
    caller = await identify(update, context, text_is_for_others=bool(typed))
    if message is None or caller is None or actor is None:
        return False
    if typed and _asks_something_else(places, owed, typed):
        # /start asks where they live beside the greeting, and a new resident often just
        # asks their question: answered, not searched for as a place.
        await release(context, actor.telegram_id, Owed.PLACE)
        await reply(update, t(caller.language, "profile.later"))
        return False
    try:
        if message.location is not None:
            loc = message.location
            place = await places.locate(actor, loc.latitude, loc.longitude)
            await ask_building(update, context, caller, place, None)
        elif message.text and owed.reference.startswith(BUILDING):
            place = await places.place(actor)
            await ask_building(update, context, caller, place, message.text.strip())
        elif typed:
            # Residents often know their estate (小区), not their community (社区): a search
            # matching nothing is still a search, answered in the flow with the way on.
            await ask_community(update, context, caller, typed)
        else:
            await release(context, actor.telegram_id, Owed.PLACE)
            return False
    except (WrongPlace, PlaceRefused) as error:
        await refused(update, context, caller, error)
    return True


def _asks_something_else(places: PlaceService, owed: AwaitingView, typed: str) -> bool:
    """Text that names no community (or, at the building step, no building of the chosen
    community) and reads as a question."""
    if owed.reference.startswith(BUILDING):
        named = places.buildings(owed.reference.removeprefix(BUILDING), typed)
    else:
        named = tuple(community.name for community in places.communities(typed))
    return not named and reads_as_question(typed)
