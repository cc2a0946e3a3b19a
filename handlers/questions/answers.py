"""The resident's questions: free text in, answer / suggestions / honest "I don't know" out."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, MessageEntityType

from handlers.callbacks import Callback, int_arg
from handlers.context import Context
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.render import (
    ENGLISH_BUTTON,
    answer_keyboard,
    entry_text,
    none_keyboard,
    person_keyboard,
    reach_line,
    suggestions_keyboard,
)
from handlers.replies import reply
from services import AnswerView, InvalidInput, NotFound
from services.residents.limits import Banned, TooManyRequests
from services.views import SMALL_TALK


def addressed_text(update: Update, bot_username: str) -> str | None:
    """The question in a message, or None when linli should stay quiet.

    In private chats every text is for linli. In groups linli answers only when mentioned or
    when someone replies to one of its messages; the mention itself is cut from the question.
    """
    message = update.message
    if message is None or message.text is None:
        return None
    if message.chat.type == ChatType.PRIVATE:
        return message.text
    mention = f"@{bot_username}".lower()
    mentioned = any(
        e.type == MessageEntityType.MENTION and text.lower() == mention
        for e, text in message.parse_entities().items()
    )
    replied = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.username == bot_username
    )
    if not (mentioned or replied):
        return None
    return message.text.replace(f"@{bot_username}", " ").strip()


async def on_text(update: Update, context: Context) -> None:
    question = addressed_text(update, context.bot.username)
    if question is None:
        return
    caller = await identify(update, context)
    if caller is None:
        return
    try:
        outcome = await context.services.enquiries.ask(caller.resident.telegram_id, question)
    except InvalidInput:
        await reply(update, t(caller.language, "too_short"))
        return
    except Banned as refusal:
        await tell_banned(update, context, caller.language, refusal)
        return
    except TooManyRequests as limit:
        seconds = max(1, round(limit.wait.total_seconds()))
        await reply(update, t(caller.language, "slow_down", seconds=seconds))
        return
    await send_outcome(update, context, caller, outcome)


async def send_outcome(
    update: Update, context: Context, caller: Caller, outcome: AnswerView
) -> None:
    # A question written in English is answered in English, whatever the setting says.
    lang = "en" if outcome.language == "en" else caller.language
    if outcome.kind == "answer" and outcome.entry is not None:
        keyboard = answer_keyboard(lang, outcome.entry, outcome.query_id)
        await reply(update, entry_text(lang, outcome.entry), keyboard)
    elif outcome.kind == "suggest" and outcome.suggestions:
        keyboard = suggestions_keyboard(lang, outcome.query_id, outcome.suggestions)
        await reply(update, t(lang, "suggest.intro"), keyboard)
    elif outcome.kind == "too_short":
        await reply(update, t(lang, "too_short"))
    elif outcome.kind in SMALL_TALK:
        await reply(update, t(lang, f"small_talk.{outcome.kind}"))
    elif outcome.kind == "emergency":
        await reply(update, emergency_text(context, lang, outcome.emergencies), _ask(lang, outcome))
    elif outcome.kind == "person":
        text = t(lang, "person.text", reach=reach_text(context, lang))
        await reply(update, text, _ask(lang, outcome))
    else:
        text = t(lang, "none.text", reach=reach_text(context, lang))
        await reply(update, text, none_keyboard(lang, outcome.query_id))


def emergency_text(context: Context, language: str, emergencies: tuple[str, ...]) -> str:
    """What to do now, for each emergency the message told of, then the way to a person.
    Only national numbers are written in the catalogs; the centre's comes from its contact."""
    advice = [t(language, f"emergency.{kind}") for kind in emergencies]
    return "\n\n".join([t(language, "emergency.intro"), *advice, reach_text(context, language)])


def _ask(language: str, outcome: AnswerView) -> InlineKeyboardMarkup | None:
    """The "ask a person" button, when the message was logged (it files that question)."""
    return person_keyboard(language, outcome.query_id) if outcome.query_id else None


def reach_text(context: Context, language: str) -> str:
    return reach_line(language, context.services.knowledge.human_contact())


async def tell_banned(update: Update, context: Context, language: str, refusal: Banned) -> None:
    """A resident banned by staff: say that asking and filing are closed to them, with the
    way to a person at the service centre, unless they were told within the hour (then
    nothing: repeating it on every message would only argue with them)."""
    if refusal.tell:
        await reply(update, t(language, "banned.refused", reach=reach_text(context, language)))


async def on_non_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice and files in the question path: say linli reads text."""
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    caller = await identify(update, context)
    if caller is not None:
        # A photo is often of something to report: filing takes photos.
        await reply(update, t(caller.language, "non_text.photo" if message.photo else "non_text"))


async def show_entry(update: Update, context: Context, caller: Caller, cb: Callback) -> None:
    """A menu, related-entry or "did you mean" button: show that entry."""
    services = context.services
    user_id = caller.resident.telegram_id
    try:
        if cb.kind == "pick":
            query_id, entry_id = int_arg(cb, 0), cb.args[1] if len(cb.args) > 1 else ""
            if query_id is None:
                raise NotFound(entry_id)
            entry = await services.enquiries.choose(user_id, query_id, entry_id)
        else:
            query_id, entry = None, services.enquiries.entry(cb.args[0] if cb.args else "")
    except NotFound:
        await reply(update, t(caller.language, "stale_button"))
        return
    lang = pressed_language(caller, cb)
    await reply(update, entry_text(lang, entry), answer_keyboard(lang, entry, query_id))


def pressed_language(caller: Caller, cb: Callback) -> str:
    """The language of the message whose button was pressed (English when the question
    was), else the resident's."""
    return "en" if cb.args and cb.args[-1] == ENGLISH_BUTTON else caller.language


async def none_of_these(update: Update, context: Context, caller: Caller, cb: Callback) -> None:
    """ "None of these": the same way to a person as an "I don't know" (ask a staff member)."""
    query_id, lang = int_arg(cb, 0), pressed_language(caller, cb)
    if query_id is not None:
        await context.services.enquiries.reject_suggestions(caller.resident.telegram_id, query_id)
    text = t(lang, "suggest.none_reply", reach=reach_text(context, lang))
    await reply(update, text, none_keyboard(lang, query_id) if query_id else None)


async def feedback(update: Update, context: Context, caller: Caller, cb: Callback) -> None:
    query_id, helpful = int_arg(cb, 0), int_arg(cb, 1)
    if query_id is None or helpful not in (0, 1):
        await reply(update, t(caller.language, "stale_button"))
        return
    stored = await context.services.enquiries.feedback(
        caller.resident.telegram_id, query_id, helpful == 1
    )
    message = update.callback_query.message if update.callback_query else None
    if stored and isinstance(message, Message) and message.reply_markup is not None:
        # Drop the 👍/👎 row (always the first) so the choice is visibly taken and a second
        # press has nothing to hit; the related-entry buttons stay.
        rows = message.reply_markup.inline_keyboard[1:]
        await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    lang = pressed_language(caller, cb)
    if not stored:
        await reply(update, t(lang, "feedback.not_yours"))
    elif helpful:
        await reply(update, t(lang, "feedback.thanks"))
    else:  # the answer did not help: the same way to a person as an "I don't know"
        text = t(lang, "feedback.sorry", reach=reach_text(context, lang))
        await reply(update, text, person_keyboard(lang, query_id))
