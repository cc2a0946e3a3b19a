"""What a resident receives: /subscribe and /unsubscribe (topics, with buttons), /stop
(nothing at all), /quiet (quiet hours), and the one-time topic question after /start.

Topic buttons are "sub:t:<topic id>" (pressing toggles) and "sub:done". The question for new
residents runs in handler group 1 for /start, after the greeting in group 0, and asks once
per resident (SubscriptionService.claim_first_ask).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.broadcast.render import find_topic, topic_list, topic_name
from handlers.callbacks import encode
from handlers.context import Context, LinliApp
from handlers.guards import pressed
from handlers.i18n import t
from handlers.people import Caller, identify
from handlers.replies import replace, reply
from services.errors import InvalidInput, NotFound
from services.notices.subscriptions import TOPICS, PreferencesView, SubscriptionService, parse_clock

OFF_WORDS = frozenset({"off", "none", "关", "关闭", "關閉", "取消", "无", "無"})


def register(application: LinliApp) -> None:
    once = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("subscribe", subscribe_command, once))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe_command, once))
    application.add_handler(CommandHandler("stop", stop_command, once))
    application.add_handler(CommandHandler("quiet", quiet_command, once))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^sub:"))
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", ask_once, private & once), group=1)


def topics_keyboard(language: str, chosen: tuple[str, ...]) -> InlineKeyboardMarkup:
    """One button per topic, ✅ on those subscribed; pressing one toggles it."""
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if topic.id in chosen else "▫️ ") + topic_name(language, topic.id),
                callback_data=encode("sub", "t", topic.id),
            )
        ]
        for topic in TOPICS
    ]
    rows.append([InlineKeyboardButton(t(language, "sub.button.done"), callback_data="sub:done")])
    return InlineKeyboardMarkup(rows)


def _state(language: str, prefs: PreferencesView) -> str:
    """What the resident gets now: topics, quiet hours."""
    names = "、".join(
        topic_name(language, topic.id) for topic in TOPICS if topic.id in prefs.topics
    )
    quiet = t(language, "quiet.none")
    if prefs.quiet_start != prefs.quiet_end:
        quiet = f"{prefs.quiet_start:%H:%M}–{prefs.quiet_end:%H:%M}"
    return t(language, "sub.state", topics=names or t(language, "sub.no_topics"), quiet=quiet)


def _theirs(context: Context, caller: Caller) -> tuple[SubscriptionService, int, str]:
    """The subscriptions service, the caller's id and their language."""
    return context.services.subscriptions, caller.resident.telegram_id, caller.language


async def ask_once(update: Update, context: Context) -> None:
    """After a new resident's first /start: which topics would they like?"""
    caller = await identify(update, context)
    if caller is None:
        return
    subscriptions = context.services.subscriptions
    if await subscriptions.claim_first_ask(caller.resident.telegram_id):
        await reply(
            update, t(caller.language, "sub.first_ask"), topics_keyboard(caller.language, ())
        )


async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe [topic]: the topic list (or subscribe at once); also ends /stop."""
    caller = await identify(update, context)
    if caller is None:
        return
    subscriptions, uid, lang = _theirs(context, caller)
    prefs = await subscriptions.preferences(uid)
    intro = ""
    if prefs.stopped:
        prefs = await subscriptions.resume(uid)
        intro = t(lang, "sub.resumed") + "\n\n"
    if context.args:
        await _by_name(update, context, caller, " ".join(context.args), subscribe=True)
        return
    text = intro + t(lang, "sub.choose") + "\n" + _state(lang, prefs)
    await reply(update, text, topics_keyboard(lang, prefs.topics))


async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe [topic]: the same list, or leave the topic named."""
    caller = await identify(update, context)
    if caller is None:
        return
    if context.args:
        await _by_name(update, context, caller, " ".join(context.args), subscribe=False)
        return
    lang = caller.language
    prefs = await context.services.subscriptions.preferences(caller.resident.telegram_id)
    text = t(lang, "sub.choose_unsubscribe") + "\n" + _state(lang, prefs)
    await reply(update, text, topics_keyboard(lang, prefs.topics))


async def _by_name(
    update: Update, context: Context, caller: Caller, name: str, *, subscribe: bool
) -> None:
    lang, uid = caller.language, caller.resident.telegram_id
    topic = find_topic(name)
    if topic is None:
        await reply(update, t(lang, "sub.unknown_topic", text=name, names=topic_list(lang)))
        return
    subscriptions = context.services.subscriptions
    if subscribe:
        prefs = await subscriptions.subscribe(uid, topic.id)
    else:
        prefs = await subscriptions.unsubscribe(uid, topic.id)
    key = "sub.subscribed" if subscribe else "sub.unsubscribed"
    text = t(lang, key, topic=topic_name(lang, topic.id)) + "\n" + _state(lang, prefs)
    await reply(update, text)


async def stop_command(update: Update, context: Context) -> None:
    """/stop: no notices or bulletins at all until /subscribe."""
    caller = await identify(update, context)
    if caller is not None:
        await context.services.subscriptions.stop_all(caller.resident.telegram_id)
        await reply(update, t(caller.language, "sub.stopped"))


async def quiet_command(update: Update, context: Context) -> None:
    """/quiet 22:00 07:00, /quiet off, or /quiet alone to see them."""
    caller = await identify(update, context)
    if caller is None:
        return
    subscriptions, uid, lang = _theirs(context, caller)
    args = [a.lower() for a in context.args or []]
    try:
        if not args:
            prefs = await subscriptions.preferences(uid)
            await reply(update, _state(lang, prefs) + "\n\n" + t(lang, "quiet.usage"))
            return
        if len(args) == 1 and args[0] in OFF_WORDS:
            await subscriptions.set_quiet_hours(uid, parse_clock("00:00"), parse_clock("00:00"))
            await reply(update, t(lang, "quiet.off"))
            return
        if len(args) != 2:
            raise InvalidInput("two times are needed")
        bad = next((a for a in args if not _is_clock(a)), None)
        if bad is not None:
            await reply(update, t(lang, "quiet.bad_time", text=bad) + "\n" + t(lang, "quiet.usage"))
            return
        start, end = parse_clock(args[0]), parse_clock(args[1])
        await subscriptions.set_quiet_hours(uid, start, end)
    except InvalidInput:
        await reply(update, t(lang, "quiet.usage"))
        return
    key = "quiet.off" if start == end else "quiet.set"
    await reply(update, t(lang, key, start=f"{start:%H:%M}", end=f"{end:%H:%M}"))


def _is_clock(text: str) -> bool:
    try:
        parse_clock(text)
    except InvalidInput:
        return False
    return True


async def on_button(update: Update, context: Context) -> None:
    """A topic pressed (toggle, list redrawn with its marks) or "done"."""
    press = await pressed(update, context)
    if press is None:
        return
    cb, caller = press.callback, press.caller
    subscriptions, uid, lang = _theirs(context, caller)
    try:
        prefs = await subscriptions.preferences(uid)
        if cb.args[:1] == ("done",):
            await replace(update, t(lang, "sub.saved") + "\n" + _state(lang, prefs))
            return
        topic = cb.args[1] if len(cb.args) > 1 else ""
        if topic in prefs.topics:
            prefs = await subscriptions.unsubscribe(uid, topic)
        else:
            prefs = await subscriptions.subscribe(uid, topic)
    except (InvalidInput, NotFound):
        await reply(update, t(lang, "stale_button"))
        return
    text = t(lang, "sub.choose") + "\n" + _state(lang, prefs)
    await replace(update, text, topics_keyboard(lang, prefs.topics))
