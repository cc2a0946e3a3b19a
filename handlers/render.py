"""Turning service records into message text and inline keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import encode
from handlers.i18n import localize, t
from services import CategoryView, ContactView, EntryView
from services.workdays.worktime import TIMEZONE


def a_week_ahead(now: datetime, tz: tzinfo) -> datetime:
    """The day an example date in a message names: a week from ``now`` in the district, so
    that someone copying it is never told it is past (a fixed date soon would be)."""
    return now.astimezone(tz) + timedelta(days=7)


def when(
    language: str, at: datetime | str, tz: tzinfo = TIMEZONE, since: datetime | str | None = None
) -> str:
    """A due time or timestamp in the district's time zone: "11月2日 10:00", "2 Nov 10:00".
    ``since``: the time it moves from (an extension's old due time); in another year than
    that one, the year is shown ("12月11日 17:30 → 2027年3月5日 17:30")."""
    local = _local(at, tz)
    new_year = since is not None and _local(since, tz).year != local.year
    key, time = ("datetime_year" if new_year else "datetime"), f"{local:%H:%M}"
    return t(language, key, time=time, **_date_parts(language, local))


def _local(at: datetime | str, tz: tzinfo) -> datetime:
    return (datetime.fromisoformat(at) if isinstance(at, str) else at).astimezone(tz)


def day(language: str, at: datetime, tz: tzinfo = TIMEZONE) -> str:
    """The date alone, in the district's time zone: "11月2日", "2 Nov"."""
    return t(language, "date", **_date_parts(language, at.astimezone(tz)))


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date_parts(language: str, local: datetime) -> dict[str, object]:
    # English names the month: "7/12" reads as 12 July to some readers and 7 December to
    # others. Not the locale's names: the server's locale is not the reader's.
    month: object = _MONTHS[local.month - 1] if language == "en" else local.month
    return {"year": local.year, "month": month, "day": local.day}


@lru_cache(maxsize=1024)
def entry_text(language: str, entry: EntryView) -> str:
    """The full answer of an entry: title, answer, and where to go (kept per language and
    entry view: the same answers go out all day, and a reload makes new views)."""
    title = localize(language, entry.title, entry.title_en)
    answer = localize(language, entry.answer, entry.answer_en).strip()
    parts = [f"【{title}】", answer]
    if entry.contact is not None:
        parts.append(contact_text(language, entry.contact))
    return "\n\n".join(parts)


def contact_text(language: str, contact: ContactView) -> str:
    lines = [f"📍 {t(language, 'answer.contact_title')}"]
    for key, value, english in (
        ("answer.office", contact.office, contact.office_en),
        ("answer.address", contact.address, contact.address_en),
        ("answer.phone", contact.phone, contact.phone_en),
        ("answer.hours", contact.hours, contact.hours_en),
    ):
        if value:
            field = key.split(".")[1]
            lines.append(t(language, key, **{field: localize(language, value, english)}))
    if contact.sample:
        lines.append(t(language, "answer.sample_note"))
    return "\n".join(lines)


def reach_line(language: str, contact: ContactView | None) -> str:
    """One line on how to reach a person: the knowledge base's contact for it, or the
    service centre in general words when it has none."""
    if contact is None:
        return t(language, "none.reach_generic")
    reach = t(
        language,
        "none.reach",
        office=localize(language, contact.office, contact.office_en),
        phone=localize(language, contact.phone, contact.phone_en),
        hours=localize(language, contact.hours, contact.hours_en),
    )
    # Said only of sample data: an operator's own contact is not called a sample.
    return f"{reach}{t(language, 'answer.sample_note')}" if contact.sample else reach


ENGLISH_BUTTON = "en"
"""The last argument of a question button shown under English: an English question is
answered in English whatever the resident's setting, and so is a press under its answer."""


def _in(language: str) -> tuple[str, ...]:
    return (ENGLISH_BUTTON,) if language == "en" else ()


def answer_keyboard(
    language: str, entry: EntryView, query_id: int | None
) -> InlineKeyboardMarkup | None:
    """👍/👎 when the answer came from a logged question, then the entry's own buttons."""
    rows: list[Sequence[InlineKeyboardButton]] = []
    if query_id is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "answer.helpful"),
                    callback_data=encode("fb", query_id, 1, *_in(language)),
                ),
                InlineKeyboardButton(
                    t(language, "answer.not_helpful"),
                    callback_data=encode("fb", query_id, 0, *_in(language)),
                ),
            ]
        )
    rows.extend(_entry_rows(language, entry))
    return InlineKeyboardMarkup(rows) if rows else None


@lru_cache(maxsize=1024)
def _entry_rows(language: str, entry: EntryView) -> tuple[tuple[InlineKeyboardButton, ...], ...]:
    """An entry's buttons below its answer, made once per language and entry view (buttons
    are immutable): complaint-type topics (noise, sanitation, …) lead straight into filing,
    then up to three related entries."""
    rows: list[tuple[InlineKeyboardButton, ...]] = []
    if entry.complaint_category is not None:
        complain = encode("cp", "new", entry.complaint_category)
        rows.append((InlineKeyboardButton(t(language, "answer.complain"), callback_data=complain),))
    for entry_id, title, title_en in entry.related[:3]:
        label = "➡️ " + localize(language, title, title_en)
        data = encode("ent", entry_id, *_in(language))
        rows.append((InlineKeyboardButton(label, callback_data=data),))
    return tuple(rows)


def suggestions_keyboard(
    language: str, query_id: int, suggestions: tuple[tuple[str, str, str], ...]
) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                localize(language, title, title_en),
                callback_data=encode("pick", query_id, entry_id, *_in(language)),
            )
        ]
        for entry_id, title, title_en in suggestions
    ]
    nope = encode("nope", query_id, *_in(language))
    rows.append([InlineKeyboardButton(t(language, "suggest.none"), callback_data=nope)])
    return InlineKeyboardMarkup(rows)


def none_keyboard(language: str, query_id: int) -> InlineKeyboardMarkup:
    """Under an honest "I don't know": hand the question to a person, or file a complaint."""
    complain = InlineKeyboardButton(t(language, "none.complain"), callback_data=encode("cp", "new"))
    return InlineKeyboardMarkup([_ask_person_row(language, query_id), [complain]])


def person_keyboard(language: str, query_id: int) -> InlineKeyboardMarkup:
    """Where the resident wants a person (an emergency, 转人工, a 👎): hand their question,
    the query-log row ``query_id``, to a staff member."""
    return InlineKeyboardMarkup([_ask_person_row(language, query_id)])


def _ask_person_row(language: str, query_id: int) -> list[InlineKeyboardButton]:
    ask = encode("ask", query_id)
    return [InlineKeyboardButton(t(language, "none.ask_person"), callback_data=ask)]


def categories_keyboard(
    language: str, categories: tuple[CategoryView, ...]
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            localize(language, c.title, c.title_en), callback_data=encode("cat", c.id)
        )
        for c in categories
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def category_keyboard(language: str, category: CategoryView) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                localize(language, title, title_en), callback_data=encode("ent", entry_id)
            )
        ]
        for entry_id, title, title_en in category.entries
    ]
    rows.append([InlineKeyboardButton(t(language, "menu.back"), callback_data=encode("menu"))])
    return InlineKeyboardMarkup(rows)


def main_menu_keyboard(language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(language, "menu.button"), callback_data=encode("menu"))],
            [
                InlineKeyboardButton(t(language, "help.button"), callback_data=encode("help")),
                InlineKeyboardButton(t(language, "language.button"), callback_data=encode("lang")),
            ],
        ]
    )


LANGUAGE_LABELS = (("zh-Hans", "简体中文"), ("zh-Hant", "繁體中文"), ("en", "English"))


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=encode("lang", code))]
            for code, label in LANGUAGE_LABELS
        ]
    )
