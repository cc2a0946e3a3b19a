"""/record (代录): staff record a ticket for a resident who phoned, walked in, wrote a letter
or came through the 12345 hotline, in their private chat with linli.

Each step reads the recording draft (services/tickets/on_behalf.py), applies one answer and
asks the next question; buttons are "ob:…" (render.py), typed answers arrive through
handlers/awaiting.py (Owed.RECORD). The service checks role and place on every call; a
forged or stale button, an unknown category or a bad answer is told and changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers.awaiting import claim, release
from handlers.context import Context, LinliApp
from handlers.filing.render import category_name
from handlers.guards import pressed
from handlers.i18n import t
from handlers.on_behalf.render import TYPED, edit_keyboard, prompt, refusal
from handlers.people import Caller, identify
from handlers.replies import reply, settle
from services import InvalidInput, NotFound
from services.access import WrongPlace
from services.errors import PermissionDenied
from services.residents.awaiting import AwaitingView, Owed
from services.tickets import RecordingView
from services.tickets.on_behalf import FIELDS, NO_PHONE, PhoneRequired


def register(application: LinliApp) -> None:
    """/record in any chat (a group is told to use a private chat) and the ob: buttons."""
    application.add_handler(CommandHandler("record", record_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^ob:"))


async def _refused(update: Update, caller: Caller, refusal: PermissionDenied) -> None:
    key = "onbehalf.private_only" if isinstance(refusal, WrongPlace) else "onbehalf.denied"
    await reply(update, t(caller.language, key))


async def record_command(update: Update, context: Context) -> None:
    """Begin recording, or carry on with the recording left unfinished."""
    caller = await identify(update, context)
    if caller is None:
        return
    service = context.services.tickets.on_behalf
    try:
        view = await service.current(caller.actor)
        intro = "onbehalf.resume"
        if view is None:
            view, intro = await service.start(caller.actor), "onbehalf.intro"
    except PermissionDenied as refusal:
        await _refused(update, caller, refusal)
        return
    await claim(update, context, caller, Owed.RECORD)
    text, keyboard = prompt(caller.language, view)
    await reply(update, t(caller.language, intro) + "\n\n" + text, keyboard)


async def _ask(update: Update, caller: Caller, view: RecordingView, lead: str = "") -> None:
    text, keyboard = prompt(caller.language, view)
    await reply(update, f"{lead}\n\n{text}" if lead else text, keyboard)


async def on_message(update: Update, context: Context, owed: AwaitingView) -> bool:
    """A typed answer to the recording's current step; False when none is under way."""
    message = update.message
    # The resident's words (problem, address, name), usually in Chinese: they say nothing
    # about the recorder's own language.
    caller = await identify(update, context, text_is_for_others=True)
    if message is None or caller is None:
        return False
    service = context.services.tickets.on_behalf
    try:
        view = await service.current(caller.actor)
    except PermissionDenied:  # the role was taken away mid-recording
        view = None
    if view is None:
        await release(context, caller.actor.telegram_id, Owed.RECORD)
        return False
    if view.step not in TYPED or not message.text:
        await _ask(update, caller, view, t(caller.language, "onbehalf.ask.buttons"))
        return True
    try:
        view = await service.answer(caller.actor, view.step, message.text)
    except PhoneRequired:
        await _ask(update, caller, view, t(caller.language, "onbehalf.bad.phone_required"))
        return True
    except InvalidInput:
        await _ask(update, caller, view, refusal(caller.language, view.step))
        return True
    await _ask(update, caller, view)
    return True


async def cancel_recording(
    update: Update, context: Context, caller: Caller, owed: AwaitingView | None = None
) -> bool:
    """/cancel (or 取消) while recording: nothing is filed."""
    try:
        dropped = await context.services.tickets.on_behalf.discard(caller.actor)
    except PermissionDenied:
        dropped = False
    await reply(update, t(caller.language, "onbehalf.cancelled" if dropped else "onbehalf.nothing"))
    return True


async def on_button(update: Update, context: Context) -> None:
    press = await pressed(update, context)
    if press is None:
        return
    caller, args = press.caller, press.callback.args
    action, arg = (args[0] if args else ""), (args[1] if len(args) > 1 else "")
    service = context.services.tickets.on_behalf
    try:
        view = await service.current(caller.actor)
    except PermissionDenied as refused:
        await _refused(update, caller, refused)
        return
    if view is None:
        await release(context, caller.actor.telegram_id, Owed.RECORD)
        await reply(update, t(caller.language, "onbehalf.nothing"))
        return
    await claim(update, context, caller, Owed.RECORD)  # a button brings the typed steps back
    if action == "cancel":
        await release(context, caller.actor.telegram_id, Owed.RECORD)
        await settle(update, t(caller.language, "onbehalf.settled.cancelled"))
        await cancel_recording(update, context, caller)
        return
    try:
        await _BUTTONS.get(action, _stale)(update, context, caller, view, arg)
    except NotFound:  # cancelled or submitted in another chat meanwhile
        await reply(update, t(caller.language, "onbehalf.nothing"))


async def _stale(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str) -> None:
    """A button of another step (or data linli never made): say where we are instead."""
    await _ask(u, caller, view, t(caller.language, "onbehalf.stale"))


async def _choose(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str,
                  field: str) -> None:  # fmt: skip
    """A channel or category button: taken at its own step only, and only a known value."""
    if view.step != field:
        await _stale(u, c, caller, view, arg)
        return
    try:
        view = await c.services.tickets.on_behalf.answer(caller.actor, field, arg)
    except InvalidInput:
        await _ask(u, caller, view, refusal(caller.language, field))
        return
    language = caller.language  # the value is known now: it has a name to show
    shown = t(language, f"channel.{arg}") if field == "channel" else category_name(language, arg)
    await settle(u, shown)
    await _ask(u, caller, view)


async def _channel(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str) -> None:
    await _choose(u, c, caller, view, arg, "channel")


async def _category(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str) -> None:
    await _choose(u, c, caller, view, arg, "category")


async def _place(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str) -> None:
    """A community button at the place: its name is the place."""
    if view.step != "place":
        await _stale(u, c, caller, view, arg)
        return
    try:
        view = await c.services.tickets.on_behalf.place_in(caller.actor, arg)
    except InvalidInput:
        await _ask(u, caller, view, t(caller.language, "onbehalf.bad.community"))
        return
    await settle(u, view.place or "")
    await _ask(u, caller, view)


async def _no_phone(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str) -> None:
    if view.step != "phone":
        await _stale(u, c, caller, view, arg)
        return
    try:
        view = await c.services.tickets.on_behalf.answer(caller.actor, "phone", NO_PHONE)
    except PhoneRequired:
        await _ask(u, caller, view, t(caller.language, "onbehalf.bad.phone_required"))
        return
    await settle(u, t(caller.language, "onbehalf.button.no_phone"))
    await _ask(u, caller, view)


async def _submit(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str) -> None:
    if view.step != "confirm":
        await _ask(u, caller, view, t(caller.language, "onbehalf.bad.missing"))
        return
    try:
        number = await c.services.tickets.on_behalf.submit(caller.actor)
    except InvalidInput:  # the category left the configuration since it was chosen
        view = await c.services.tickets.on_behalf.change(caller.actor, "category")
        await _ask(u, caller, view, t(caller.language, "onbehalf.bad.category"))
        return
    await release(c, caller.actor.telegram_id, Owed.RECORD)
    await settle(u, t(caller.language, "onbehalf.settled.submitted"))
    channel = t(caller.language, f"channel.{view.channel}")
    await reply(
        u, t(caller.language, "onbehalf.filed", number=number, channel=channel, name=view.name)
    )


async def _edit(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str) -> None:
    if view.step != "confirm":
        await _stale(u, c, caller, view, arg)
        return
    await reply(u, t(caller.language, "onbehalf.ask.edit"), edit_keyboard(caller.language))


async def _field(u: Update, c: Context, caller: Caller, view: RecordingView, arg: str) -> None:
    if view.step != "confirm" or arg not in FIELDS:
        await _stale(u, c, caller, view, arg)
        return
    view = await c.services.tickets.on_behalf.change(caller.actor, arg)
    await settle(u, t(caller.language, f"onbehalf.field.{arg}"))
    await _ask(u, caller, view)


_BUTTONS = {
    "ch": _channel,
    "cat": _category,
    "pl": _place,
    "nophone": _no_phone,
    "submit": _submit,
    "edit": _edit,
    "field": _field,
}
