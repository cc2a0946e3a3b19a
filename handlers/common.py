"""/start, /help, /language and /menu: the resident's way around linli."""

from __future__ import annotations

from telegram import Update

from handlers.callbacks import Callback
from handlers.context import Context
from handlers.i18n import localize, t
from handlers.people import Caller, identify
from handlers.profile import commands as profile
from handlers.render import (
    categories_keyboard,
    category_keyboard,
    language_keyboard,
    main_menu_keyboard,
)
from handlers.replies import replace, reply
from handlers.staff.common import in_staff_chat, staff_language
from services import LANGUAGES


async def start(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    if caller is None:
        return
    if in_staff_chat(update, context):  # the staff work there: no resident menu
        await reply(update, t(staff_language(context), "staff.help"))
        return
    name = caller.resident.display_name or "居民"
    await reply(
        update, t(caller.language, "start.greeting", name=name), main_menu_keyboard(caller.language)
    )
    await profile.ask_after_start(update, context, caller)


async def help_command(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    if caller is None:
        return
    if in_staff_chat(update, context):
        await reply(update, t(staff_language(context), "staff.help"))
        return
    await send_help(update, caller)


async def send_help(update: Update, caller: Caller) -> None:
    text = t(caller.language, "help.text")
    if caller.resident.role == "admin":
        text += "\n\n" + t(caller.language, "help.admin")
    await reply(update, text)


async def language_command(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    if caller is not None:
        await reply(update, t(caller.language, "language.prompt"), language_keyboard())


async def choose_language(update: Update, context: Context, cb: Callback) -> None:
    user = update.effective_user
    if user is None:
        return
    if not cb.args or cb.args[0] not in LANGUAGES:
        caller = await identify(update, context)
        if caller is not None:
            await replace(update, t(caller.language, "language.prompt"), language_keyboard())
        return
    resident = await context.services.residents.set_language(user.id, cb.args[0])
    await replace(update, t(resident.language, "language.set"))


async def menu_command(update: Update, context: Context) -> None:
    caller = await identify(update, context)
    if caller is not None:
        await show_categories(update, context, caller, edit=False)


async def show_categories(update: Update, context: Context, caller: Caller, *, edit: bool) -> None:
    categories = context.services.knowledge.categories()
    if not categories:
        await reply(update, t(caller.language, "menu.empty"))
        return
    text = t(caller.language, "menu.title")
    keyboard = categories_keyboard(caller.language, categories)
    await (replace if edit else reply)(update, text, keyboard)


async def show_category(update: Update, context: Context, caller: Caller, category_id: str) -> None:
    categories = context.services.knowledge.categories()
    category = next((c for c in categories if c.id == category_id), None)
    if category is None:
        await show_categories(update, context, caller, edit=True)
        return
    title = localize(caller.language, category.title, category.title_en)
    text = t(caller.language, "menu.category", title=title)
    await replace(update, text, category_keyboard(caller.language, category))
