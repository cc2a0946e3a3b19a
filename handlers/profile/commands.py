"""/profile, the once-only question after /start, and the pf: buttons.

Choosing is a small flow: the community (buttons, or typed text that narrows them, or a
shared location), then its building. While it is open the resident owes Owed.PLACE, so
their typed text and a location reach handlers/profile/input.py; the reference says which
question was asked: "community" or "building:<community id>". The service checks every
choice (a forged button with an unknown id is refused and changes nothing) and that it comes
from the resident's private chat.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.awaiting import claim, release
from handlers.callbacks import Callback, parse_id
from handlers.context import Context, LinliApp
from handlers.guards import pressed
from handlers.i18n import t
from handlers.people import Caller, actor_of, identify
from handlers.profile import render
from handlers.replies import reply, settle
from services.access import Actor, WrongPlace
from services.residents.awaiting import AwaitingView, Owed
from services.residents.place import PlaceRefused, PlaceView

COMMUNITY = "community"
BUILDING = "building:"


def register(application: LinliApp) -> None:
    """/profile (private chats) and the pf: buttons."""
    application.add_handler(
        CommandHandler("profile", profile_command, filters=filters.ChatType.PRIVATE)
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^pf:"))


async def profile_command(update: Update, context: Context) -> None:
    caller, actor = await identify(update, context), actor_of(update)
    if caller is None or actor is None:
        return
    place = await context.services.places.place(actor)
    await reply(update, *render.current(caller.language, place))


async def ask_after_start(update: Update, context: Context, caller: Caller) -> None:
    """After /start, once per resident who has no place yet: where do you live? (skippable)"""
    actor = actor_of(update)
    if actor is not None and await context.services.places.ask_once(actor):
        await ask_community(update, context, caller, None)


async def ask_community(
    update: Update, context: Context, caller: Caller, typed: str | None
) -> None:
    """The communities to pick from (narrowed by ``typed``); typed text goes on narrowing.
    Text matching none is said so, over every community's button."""
    places = context.services.places
    found = places.communities(typed or "")
    missed = typed if typed and not found else None
    await claim(update, context, caller, Owed.PLACE, COMMUNITY)
    text, keyboard = render.communities(
        caller.language, found or places.communities(), typed=typed, locatable=places.locatable,
        missed=missed,
    )  # fmt: skip
    await reply(update, text, keyboard)


async def ask_building(
    update: Update, context: Context, caller: Caller, place: PlaceView, typed: str | None
) -> None:
    """The buildings of the chosen community (narrowed by ``typed``); none: done."""
    community = place.community
    if community is None or not community.places:
        await finished(update, context, caller, place)
        return
    places = context.services.places
    shown = places.buildings(community.id, typed or "")
    missed = typed if typed and not shown else None
    await claim(update, context, caller, Owed.PLACE, BUILDING + community.id)
    # Text matching none is said so, over every building's button (as for communities).
    shown = shown or places.buildings(community.id)
    await reply(update, *render.buildings(caller.language, community, shown, missed=missed))


async def finished(update: Update, context: Context, caller: Caller, place: PlaceView) -> None:
    await release(context, caller.resident.telegram_id, Owed.PLACE)
    await reply(update, t(caller.language, "profile.saved", place=place.label))


async def refused(update: Update, context: Context, caller: Caller, error: Exception) -> None:
    """Say why a choice was not taken; nothing changed."""
    if isinstance(error, WrongPlace):
        await reply(update, t(caller.language, "profile.private_only"))
    elif isinstance(error, PlaceRefused):
        await reply(update, t(caller.language, f"profile.refused.{error.reason}"))
    else:
        raise error


async def on_button(update: Update, context: Context) -> None:
    press = await pressed(update, context)
    actor = actor_of(update)
    if press is None or actor is None:
        return
    caller, cb = press.caller, press.callback
    try:
        await _act(update, context, caller, actor, cb)
    except (WrongPlace, PlaceRefused) as error:
        await refused(update, context, caller, error)


async def _act(
    update: Update, context: Context, caller: Caller, actor: Actor, cb: Callback
) -> None:
    places, lang = context.services.places, caller.language
    action, args = (cb.args[0], cb.args[1:]) if cb.args else ("", ())
    if await _tapped_again(context, actor, action, args):
        return  # the first tap's answer is there; its buttons are being taken away
    if action == "c" and args:
        place = await places.choose_community(actor, args[0])
        await settle(update, place.label)
        await ask_building(update, context, caller, place, None)
    elif action == "b" and len(args) == 2:
        index = parse_id(args[1])
        place = await places.choose_building(actor, args[0], -1 if index is None else index)
        await settle(update, place.label)
        await finished(update, context, caller, place)
    elif action in ("change", "all"):
        await ask_community(update, context, caller, None)
    elif action == "clear":
        await places.clear(actor)
        await release(context, actor.telegram_id, Owed.PLACE)
        await reply(update, t(lang, "profile.cleared"))
    elif action == "done":
        await finished(update, context, caller, await places.place(actor))
    elif action == "skip":
        await release(context, actor.telegram_id, Owed.PLACE)
        await settle(update, t(lang, "profile.skipped_short"))
        await reply(update, t(lang, "profile.skipped"))
    else:
        await reply(update, t(lang, "stale_button"))


async def _tapped_again(context: Context, actor: Actor, action: str, args: tuple[str, ...]) -> bool:
    """A community whose buildings are asked already, or the building already recorded
    while nothing is being chosen: the second tap of a double tap (the pressed message is
    settled only after the next step is sent)."""
    if action not in ("c", "b") or not args:
        return False
    owed = await context.services.awaiting.awaiting(actor.telegram_id)
    choosing = owed.reference if owed is not None and owed.kind is Owed.PLACE else None
    if action == "c":
        return choosing == BUILDING + args[0]
    index = parse_id(args[1]) if len(args) == 2 else None
    if choosing is not None or index is None:
        return False
    place = await context.services.places.place(actor)
    community = place.community
    return (
        community is not None
        and community.id == args[0]
        and 0 <= index < len(community.places)
        and place.building == community.places[index]
    )


async def cancel_place(
    update: Update, context: Context, caller: Caller, owed: AwaitingView
) -> bool:
    """/cancel while choosing: what was chosen so far stays."""
    await reply(update, t(caller.language, "profile.cancelled"))
    return True
