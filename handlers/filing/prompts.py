"""What the filing conversation says at each step, and its buttons.

Callback data (all "cp:…", see handlers/filing/commands.py): cp:new[:<category>], cp:cat:<id>,
cp:photos (done / skip), cp:phone (skip), cp:anon:1|0, cp:submit, cp:force (file anyway),
cp:follow:<number>, cp:edit[:<step>], cp:cancel, cp:home (the place: where the resident lives).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import encode
from handlers.filing.render import category_name
from handlers.i18n import t
from handlers.render import day
from services.tickets import DraftView, SimilarTicketView
from services.tickets.categories import complaint_categories
from services.tickets.validation import MAX_PHOTOS, STEPS

EDITABLE = ("category", "description", "location", "photos", "phone", "anonymous")


def _button(language: str, key: str, *data: object, **params: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(language, key, **params), callback_data=encode("cp", *data))


def _with_cancel(language: str, rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*rows, [_button(language, "filing.button.cancel", "cancel")]])


def next_step(draft: DraftView, done: str) -> str:
    """The step after ``done``; once the resident has been through every step (the last
    question, anonymity, is answered), an edited step goes straight back to the summary."""
    if draft.anonymous is not None or done == STEPS[-1]:
        return "confirm"
    following = STEPS[STEPS.index(done) + 1]
    if following == "description" and draft.description:
        # Typed before the category was chosen (steps.py): asking again would lose it or
        # repeat it; the summary shows it to check, and it can be changed there.
        return next_step(draft, following)
    return following


def prompt(
    language: str, draft: DraftView, home: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The question (and buttons) of the draft's current step; at the place, ``home`` (where
    the resident lives, from /profile) is offered as a button that fills it in."""
    step = draft.step
    if step == "category":
        buttons = [
            _button(language, f"category.{c.id}", "cat", c.id) for c in complaint_categories()
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        return t(language, "filing.ask.category"), _with_cancel(language, rows)
    if step == "photos":
        count = len(draft.photos)
        key = "filing.button.photos_done" if count else "filing.button.photos_skip"
        text = t(language, "filing.ask.photos", count=count, max=MAX_PHOTOS)
        return text, _with_cancel(language, [[_button(language, key, "photos", count=count)]])
    if step == "phone":
        rows = [[_button(language, "filing.button.phone_skip", "phone")]]
        return t(language, "filing.ask.phone"), _with_cancel(language, rows)
    if step == "anonymous":
        rows = [
            [_button(language, "filing.button.anonymous_yes", "anon", 1)],
            [_button(language, "filing.button.anonymous_no", "anon", 0)],
        ]
        return t(language, "filing.ask.anonymous"), _with_cancel(language, rows)
    if step == "confirm":
        rows = [
            [_button(language, "filing.button.submit", "submit")],
            [_button(language, "filing.button.edit", "edit")],
        ]
        return summary(language, draft), _with_cancel(language, rows)
    category = category_name(language, draft.category or "other")
    text, rows = t(language, f"filing.ask.{step}", category=category), []
    if step == "location" and home:
        text += "\n" + t(language, "filing.home_hint")
        rows.append([_button(language, "filing.button.home", "home", place=home)])
    return text, _with_cancel(language, rows)


def summary(language: str, draft: DraftView) -> str:
    """Everything the resident entered, to check before submitting."""
    place = draft.location_text or ""
    if draft.latitude is not None and draft.longitude is not None:
        pin = t(language, "filing.pin", lat=draft.latitude, lon=draft.longitude)
        place = f"{place} {pin}".strip()
    return t(
        language,
        "filing.summary",
        category=category_name(language, draft.category or "other"),
        description=draft.description or "",
        place=place,
        photos=len(draft.photos),
        phone=draft.phone or t(language, "filing.none"),
        anonymous=t(language, "filing.yes" if draft.anonymous else "filing.no"),
    )


def edit_keyboard(language: str) -> InlineKeyboardMarkup:
    """Which part to change; each leads back to the summary."""
    rows = [[_button(language, f"filing.field.{step}", "edit", step)] for step in EDITABLE]
    rows.append([_button(language, "filing.button.back", "edit", "confirm")])
    return InlineKeyboardMarkup(rows)


def similar_message(
    language: str, similar: tuple[SimilarTicketView, ...]
) -> tuple[str, InlineKeyboardMarkup]:
    """Open tickets like this one: follow one of them, or file anyway."""
    lines = [t(language, "filing.similar.intro")]
    rows = []
    for ticket in similar:
        # Other people's words are never shown: the category, the building and the day.
        lines.append(
            t(
                language,
                "filing.similar.line",
                number=ticket.number,
                category=category_name(language, ticket.category),
                place=ticket.place or t(language, "filing.similar.somewhere"),
                date=day(language, ticket.created_at),
            )
        )
        rows.append([_button(language, "filing.button.follow", "follow", ticket.number,
                             number=ticket.number)])  # fmt: skip
    rows.append([_button(language, "filing.button.file_anyway", "force")])
    return "\n".join(lines), _with_cancel(language, rows)
