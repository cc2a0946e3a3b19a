"""Admins teach the knowledge base from the weekly digest; officials preview /disclosure.

Digest messages (services/knowledge/learning.py, sent through the outbox) carry ``kl:`` buttons:
``kl:att:<group>`` shows the closest entries (``kl:e:<group>:<n>``), "other…"
(``kl:oth:<group>``, then the admin types an entry id) and ``kl:oos:<group>`` marks the group
out of scope. The service checks the role; a refusal is shown only to whoever pressed.
/disclosure [period] shows officials and admins the 居务公开 text residents receive.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from handlers.awaiting import claim, release, saying
from handlers.callbacks import decode, parse_id
from handlers.context import Context, LinliApp
from handlers.i18n import localize, t
from handlers.people import Caller, identify
from handlers.replies import reply
from handlers.reports.commands import explain_refusal
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.knowledge.learning import KbLearningService, LearningDecision, LearningGroup, callback
from services.notices.disclosure_bulletin import preview
from services.residents.awaiting import AwaitingView, Owed


def register(application: LinliApp) -> None:
    """Add /disclosure and the digest buttons (the typed entry id arrives by
    handlers/awaiting.py at ``on_typed_entry``)."""
    application.add_handler(
        CommandHandler("disclosure", disclosure_command, filters.UpdateType.MESSAGE)
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^kl:"))


def _learning(context: Context) -> KbLearningService:
    return context.services.kb_learning


async def disclosure_command(update: Update, context: Context) -> None:
    """/disclosure [2026-11]: the disclosure of that month (default: last month)."""
    caller = await identify(update, context)
    if caller is None:
        return
    spec = " ".join(context.args or [])
    try:
        text = await preview(context.services.reports, caller.resident.telegram_id, spec)
    except (PermissionDenied, InvalidInput) as error:  # the role, or the period
        await explain_refusal(update, caller.language, error, spec)
    else:
        await reply(update, t(caller.language, "disclosure.preview_header") + "\n\n" + text)


async def on_button(update: Update, context: Context) -> None:
    """A ``kl:`` button on a digest message."""
    query = update.callback_query
    cb = decode(query.data if query else None)
    caller = await identify(update, context)
    if query is None or caller is None:
        return
    if cb is None or len(cb.args) < 2:  # not a button linli made: still stop the spinner
        await query.answer(t(caller.language, "stale_button"), show_alert=True)
        return
    action, key = cb.args[0], cb.args[1]
    service = _learning(context)
    tid = caller.resident.telegram_id
    try:
        if action == "att":
            group = await service.group(tid, key)
            await query.answer()
            await _show_choices(update, caller, group)
        elif action == "oth":
            await service.group(tid, key)  # the role check, before asking for typing
            await query.answer()
            await claim(update, context, caller, Owed.KB_ENTRY, key)
            await reply(update, t(caller.language, "learning.type_entry"))
        elif action == "e" and len(cb.args) == 3:
            group = await service.group(tid, key)
            entry_id = group.candidates[parse_id(cb.args[2]) or 0][0]
            await _decided(update, caller, context, await service.attach(tid, key, entry_id))
        elif action == "oos":
            await _decided(update, caller, context, await service.mark_out_of_scope(tid, key))
        else:
            await query.answer(t(caller.language, "stale_button"), show_alert=True)
    except PermissionDenied:
        await query.answer(t(caller.language, "learning.denied"), show_alert=True)
    except (NotFound, IndexError, ValueError):
        await query.answer(t(caller.language, "learning.no_group"), show_alert=True)
    except InvalidInput as exc:  # the knowledge base cannot be written or refused the change
        await query.answer()
        await reply(update, t(caller.language, "learning.failed", error=str(exc)))


async def on_typed_entry(update: Update, context: Context, owed: AwaitingView) -> bool:
    """The entry id an admin typed after "other…" (asked once: whatever comes next answers)."""
    message = update.message
    caller = await identify(update, context)
    if message is None or caller is None:
        return False
    await release(context, caller.resident.telegram_id, Owed.KB_ENTRY)
    if not message.text:
        return False
    pending, entry_id = owed.reference, message.text.strip()
    try:
        decision = await _learning(context).attach(caller.resident.telegram_id, pending, entry_id)
    except PermissionDenied:
        await reply(update, t(caller.language, "learning.denied"))
    except NotFound:
        await reply(update, t(caller.language, "learning.no_entry", entry_id=entry_id))
    except InvalidInput as exc:
        await reply(update, t(caller.language, "learning.failed", error=str(exc)))
    else:
        await reply(update, _decision_text(caller, context, decision))
    return True


cancel_entry = saying("learning.entry_cancelled")
"""/cancel instead of an entry id: the group stays in the digest, undecided."""


async def _show_choices(update: Update, caller: Caller, group: LearningGroup) -> None:
    query = update.callback_query
    if query is None:
        return
    if group.decision is not None:
        await query.edit_message_reply_markup(None)
        return
    lang = caller.language
    rows = [
        [
            InlineKeyboardButton(
                localize(lang, title, title_en), callback_data=callback("e", group.key, i)
            )
        ]
        for i, (_id, title, title_en) in enumerate(group.candidates)
    ]
    rows.append(
        [
            InlineKeyboardButton(
                t(lang, "button.learning.other"), callback_data=callback("oth", group.key)
            )
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                t(lang, "button.learning.out_of_scope"), callback_data=callback("oos", group.key)
            )
        ]
    )
    await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
    await reply(update, t(lang, "learning.choose_entry"))


async def _decided(
    update: Update, caller: Caller, context: Context, decision: LearningDecision
) -> None:
    """Answer the press and show the decision under the digest message, without buttons."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    note = _decision_text(caller, context, decision)
    message = query.message
    original = getattr(message, "text", None)
    if original and len(original) + len(note) < 4000:
        await query.edit_message_text(f"{original}\n\n{note}", reply_markup=None)
    else:
        await query.edit_message_reply_markup(None)
        await reply(update, note)


def _decision_text(caller: Caller, context: Context, decision: LearningDecision) -> str:
    lang = caller.language
    if decision.action == "out_of_scope":
        key = (
            "learning.already_out_of_scope"
            if decision.already_decided
            else "learning.out_of_scope_done"
        )
        return t(lang, key, added=decision.added)
    entry_id = decision.entry_id or ""
    titles = context.services.knowledge.titles(entry_id)
    title = localize(lang, titles[1], titles[2]) if titles else entry_id
    key = "learning.already_attached" if decision.already_decided else "learning.attached"
    return t(lang, key, title=title, entry_id=entry_id, added=decision.added)
