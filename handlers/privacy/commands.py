"""/mydata and /forget, in the person's private chat.

/mydata replies with a readable summary and the whole record as a JSON document. /forget
asks first; its confirmation button "pv:forget:<telegram id>" is checked by the service
(only that person, in their private chat), "pv:keep" leaves everything as it was.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.broadcast.render import local, topic_name
from handlers.callbacks import encode, int_arg
from handlers.context import Context, LinliApp
from handlers.filing.render import status_name
from handlers.guards import pressed
from handlers.i18n import has_key, t
from handlers.people import identify
from handlers.replies import reply, settle
from services.district import current as current_district
from services.errors import NotFound, PermissionDenied
from services.privacy.service import RoleHeld
from services.privacy.views import ResidentData, TicketData

LISTED = 10  # tickets and questions shown in the summary; the document holds them all


def register(application: LinliApp) -> None:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("mydata", mydata_command, private))
    application.add_handler(CommandHandler("forget", forget_command, private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^pv:"))


async def mydata_command(update: Update, context: Context) -> None:
    """/mydata: everything linli holds about the sender, as text and as JSON."""
    caller = await identify(update, context)
    chat = update.effective_chat
    if caller is None or chat is None:
        return
    data = await context.services.privacy.export(caller.resident.telegram_id)
    await reply(update, summary(caller.language, data, context.services.calendar.tz))
    await chat.send_document(
        data.to_json().encode(),
        filename="linli-mydata.json",
        caption=t(caller.language, "privacy.document_caption"),
    )


async def forget_command(update: Update, context: Context) -> None:
    """/forget: what erasing means, and a button to confirm it."""
    caller = await identify(update, context)
    if caller is None:
        return
    lang, uid = caller.language, caller.resident.telegram_id
    try:
        await context.services.privacy.check_can_forget(uid)
    except RoleHeld:
        await reply(update, t(lang, "privacy.role_held"))
        return
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "privacy.button.forget"), callback_data=encode("pv", "forget", uid)
                )
            ],
            [InlineKeyboardButton(t(lang, "privacy.button.keep"), callback_data="pv:keep")],
        ]
    )
    await reply(update, t(lang, "privacy.confirm"), buttons)


async def on_button(update: Update, context: Context) -> None:
    """The confirmation (erase) or "keep my data"."""
    press = await pressed(update, context)
    chat = update.effective_chat
    if press is None or chat is None:
        return
    lang = press.caller.language
    asked = press.query.message
    if isinstance(asked, Message) and await context.services.privacy.erased_since(
        press.caller.resident.telegram_id, asked.date
    ):  # an earlier tap on this question erased everything: neither "kept" nor "erased 0"
        await reply(update, t(lang, "privacy.already_forgotten"))
        return
    if press.callback.args[:1] != ("forget",):
        await settle(update, t(lang, "privacy.button.keep"))
        await reply(update, t(lang, "privacy.kept"))
        return
    subject = int_arg(press.callback, 1)
    try:
        if subject is None:
            raise NotFound("button")
        done = await context.services.privacy.forget(
            press.caller.resident.telegram_id, chat.id, subject
        )
    except RoleHeld:
        await reply(update, t(lang, "privacy.role_held"))
        return
    except (PermissionDenied, NotFound):
        await reply(update, t(lang, "privacy.not_yours"))
        return
    await settle(update, t(lang, "privacy.button.forget"))
    await reply(
        update,
        t(
            lang,
            "privacy.forgotten",
            tickets=done.tickets_anonymised,
            questions=done.questions_erased,
            messages=done.messages_cancelled,
        ),
    )


def _category(language: str, category: str) -> str:
    key = f"category.{category}"
    return t(language, key) if has_key(key) else category


def _ticket_line(language: str, ticket: TicketData) -> str:
    rating = "–" if ticket.rating_score is None else f"{ticket.rating_score}/5"
    return t(
        language,
        "privacy.ticket_line",
        number=ticket.number,
        category=_category(language, ticket.category),
        status=t(language, f"status.{ticket.status}"),
        photos=ticket.photos,
        rating=rating,
        text=ticket.description[:60],
    )


def _community_name(community_id: str | None) -> str | None:
    """The name of the community the resident chose (its id when no longer configured)."""
    found = current_district.get().community(community_id)
    return found.name if found is not None else community_id


def summary(language: str, data: ResidentData, tz: ZoneInfo) -> str:
    """The readable part of /mydata (times in the district's zone); the document carries
    every field in full (times in UTC)."""
    p, none = data.profile, t(language, "privacy.none")
    topics = "、".join(topic_name(language, topic) for topic in p.subscriptions)
    lines = [
        t(
            language,
            "privacy.profile",
            name=p.display_name or none,
            lang=p.language or none,
            role=t(language, f"privacy.role.{p.role}"),
            place=" ".join(x for x in (_community_name(p.community), p.building) if x) or none,
            quiet=p.quiet_hours or none,
            topics=topics or none,
            stopped=t(language, "privacy.yes" if p.notices_stopped else "privacy.no"),
            first=local(p.first_seen, tz),
            last=local(p.last_seen, tz),
        ),
        t(language, "privacy.tickets", n=len(data.tickets)),
        *(_ticket_line(language, x) for x in data.tickets[-LISTED:]),
        t(language, "privacy.followed", n=len(data.followed)),
        *(f"• {f.number} · {status_name(language, f.status, owner=False)}" for f in data.followed),
        t(language, "privacy.questions", n=len(data.questions)),
        *(f"• {local(q.asked_at, tz)} {q.text[:60]}" for q in data.questions[-LISTED:]),
        t(language, "privacy.pending", n=len(data.pending_messages)),
        t(language, "privacy.more"),
    ]
    return "\n".join(lines)
