"""/transfer in the staff desk: move a ticket to another unit (转派).

/transfer <no> <unit> <reason> (inside a ticket's topic the number may be left out, as for
the other staff commands); the unit is named by its id or its name, 中心 for the central
staff chat. The service checks role, place (a unit's staff move only their unit's tickets),
status and the unit; a refusal is one sentence and changes nothing.
"""

from __future__ import annotations

from telegram import Update

from handlers.context import Context
from handlers.i18n import t
from handlers.replies import reply
from handlers.staff.commands import read_ticket_command
from handlers.staff.common import Refused, attempt


async def transfer_command(update: Update, context: Context) -> None:
    """/transfer <no> <unit> <reason>."""
    command = await read_ticket_command(update, context, "transfer", "required")
    if command is None:
        return
    language, number = command.language, command.number
    unit, *why = command.text.split(maxsplit=1)
    reason = why[0].strip() if why else ""
    if not reason:
        await reply(update, t(language, "staff.usage.transfer"))
        return
    call = context.services.tickets.dispatch.transfer(command.caller.actor, number, unit, reason)
    moved = await attempt(language, number, "transfer", call)
    if isinstance(moved, Refused):
        await reply(update, moved.text)
        return
    await reply(update, t(language, "staff.done.transfer", number=number, unit=moved.held_by))
