"""Typed input and shared locations while a resident chooses where they live (Owed.PLACE):
text narrows the list of communities or buildings; a location picks the nearest community."""

from __future__ import annotations

from telegram import Update

from handlers.awaiting import release
from handlers.context import Context
from handlers.people import actor_of, identify
from handlers.profile.commands import (
    BUILDING,
    ask_building,
    ask_community,
    refused,
)
from services.access import WrongPlace
from services.residents.awaiting import AwaitingView, Owed
from services.residents.place import PlaceRefused


async def on_message(update: Update, context: Context, owed: AwaitingView) -> bool:
    """Narrow the list, or place a shared location; anything else ends the choosing and
    goes on as an ordinary message (False)."""
    message, actor = update.message, actor_of(update)
    places = context.services.places
    typed = message.text.strip() if message is not None and message.text else ""
    # A name searched for is written as the place is (in Chinese): it says nothing about
    # the resident's own language; text matching no community is a question, and says.
    searching = bool(typed) and (
        owed.reference.startswith(BUILDING) or bool(places.communities(typed))
    )
    caller = await identify(update, context, text_is_for_others=searching)
    if message is None or caller is None or actor is None:
        return False
    try:
        if message.location is not None:
            loc = message.location
            place = await places.locate(actor, loc.latitude, loc.longitude)
            await ask_building(update, context, caller, place, None)
        elif message.text and owed.reference.startswith(BUILDING):
            place = await places.place(actor)
            await ask_building(update, context, caller, place, message.text.strip())
        elif message.text and places.communities(message.text.strip()):
            await ask_community(update, context, caller, message.text.strip())
        elif message.text:
            # Matching no community, it is more likely a question than a search: it goes
            # on as one, and the buttons shown stay usable.
            await release(context, actor.telegram_id, Owed.PLACE)
            return False
        else:
            await release(context, actor.telegram_id, Owed.PLACE)
            return False
    except (WrongPlace, PlaceRefused) as error:
        await refused(update, context, caller, error)
    return True
