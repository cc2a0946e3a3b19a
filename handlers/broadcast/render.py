"""Texts and buttons of the /broadcast conversation and of /notices.

Buttons are "bc:<action>:<notice id>[:<choice>]" (handlers/broadcast/commands.py answers them).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import encode
from handlers.i18n import t
from knowledge.script import to_simplified
from services.notices.audience_places import place_name
from services.notices.subscriptions import TOPICS, Topic
from services.notices.views import Audience, NoticePreview, NoticeView

AUDIENCES = ("all", "topic", "community", "building", "staff")


def local(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def topic_name(language: str, topic_id: str | None) -> str:
    known = {topic.id for topic in TOPICS}
    return t(language, f"topic.{topic_id}") if topic_id in known else str(topic_id)


def find_topic(text: str) -> Topic | None:
    """The topic typed by id, Chinese title (either script) or English title."""
    wanted = to_simplified(text.strip()).casefold()
    for topic in TOPICS:
        if wanted in (topic.id, topic.title, topic.title_en.casefold()):
            return topic
    return None


def topic_list(language: str) -> str:
    return "、".join(topic_name(language, topic.id) for topic in TOPICS)


def audience_text(language: str, audience: Audience) -> str:
    value = audience.value or ""
    if audience.kind == "topic":
        value = topic_name(language, audience.value)
    elif audience.kind in ("community", "building"):
        value = place_name(audience)
    return t(language, f"broadcast.audience.{audience.kind}", value=value)


def _button(language: str, key: str, *data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(language, key), callback_data=encode("bc", *data))


def audience_prompt(language: str, notice_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [_button(language, f"broadcast.button.{kind}", "aud", notice_id, kind)]
        for kind in AUDIENCES
    ]
    return t(language, "broadcast.ask_audience"), InlineKeyboardMarkup(rows)


def topic_prompt(language: str, notice_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [_button(language, f"topic.{topic.id}", "top", notice_id, topic.id)] for topic in TOPICS
    ]
    return t(language, "broadcast.ask_topic"), InlineKeyboardMarkup(rows)


def urgent_prompt(language: str, notice_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [_button(language, "broadcast.button.urgent", "urg", notice_id, 1)],
        [_button(language, "broadcast.button.not_urgent", "urg", notice_id, 0)],
    ]
    return t(language, "broadcast.ask_urgent"), InlineKeyboardMarkup(rows)


def when_prompt(language: str, notice_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [_button(language, "broadcast.button.now", "when", notice_id, "now")],
        [_button(language, "broadcast.button.later", "when", notice_id, "at")],
    ]
    return t(language, "broadcast.ask_when"), InlineKeyboardMarkup(rows)


def preview_text(language: str, preview: NoticePreview, tz: ZoneInfo) -> str:
    """The summary under the notice as residents will see it."""
    notice = preview.notice
    when = local(notice.send_at, tz) if notice.send_at else t(language, "broadcast.when_now")
    text = t(
        language,
        "broadcast.preview",
        id=notice.id,
        audience=audience_text(language, notice.audience),
        urgent=t(language, "broadcast.yes" if notice.urgent else "broadcast.no"),
        when=when,
        recipients=preview.recipients,
        waiting=preview.waiting,
    )
    return text + ("\n" + t(language, "broadcast.nobody") if not preview.recipients else "")


def preview_keyboard(language: str, notice: NoticeView) -> InlineKeyboardMarkup:
    confirm = "broadcast.button.schedule" if notice.send_at else "broadcast.button.send"
    return InlineKeyboardMarkup(
        [
            [_button(language, confirm, "ok", notice.id)],
            [
                _button(language, "broadcast.button.edit_audience", "edit", notice.id, "aud"),
                _button(language, "broadcast.button.edit_urgent", "edit", notice.id, "urg"),
                _button(language, "broadcast.button.edit_when", "edit", notice.id, "when"),
            ],
            [_button(language, "broadcast.button.discard", "no", notice.id)],
        ]
    )


def notice_line(language: str, notice: NoticeView, tz: ZoneInfo) -> str:
    """One notice in /notices: number, state, audience, time, figures, first words."""
    first = notice.text.splitlines()[0] if notice.text else ""
    head = first[:40] + ("…" if len(first) > 40 or "\n" in notice.text else "")
    when = local(notice.send_at or notice.queued_at or notice.created_at, tz)
    figures = notice.figures
    # Before its time a notice has no rows yet: figures would only say "0" everywhere.
    key = "notices.line" if notice.status == "queued" else "notices.line_unsent"
    return t(
        language,
        key,
        id=notice.id,
        state=t(language, f"notices.state.{notice.state}"),
        audience=audience_text(language, notice.audience),
        urgent=t(language, "notices.urgent_mark") if notice.urgent else "",
        when=when,
        head=head,
        total=figures.total,
        sent=figures.sent,
        pending=figures.pending,
        failed=figures.failed,
        blocked=figures.blocked,
        cancelled=figures.cancelled,
    )
