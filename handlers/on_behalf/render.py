"""What /record (代录) says at each step, and its buttons.

Callback data (all "ob:…", see handlers/on_behalf/commands.py): ob:ch:<channel>,
ob:cat:<category id>, ob:pl:<community id>, ob:nophone, ob:submit, ob:edit,
ob:field:<field>, ob:cancel.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import encode
from handlers.filing.render import category_name
from handlers.i18n import t
from services.district import current
from services.district.model import Community
from services.tickets import RecordingView
from services.tickets.categories import complaint_categories
from services.tickets.on_behalf import CHANNELS, FIELDS, MAX_NAME
from services.tickets.validation import MAX_DESCRIPTION, MAX_LOCATION, MIN_DESCRIPTION

TYPED = frozenset({"description", "place", "name", "phone"})
"""The steps answered by typing (the others by a button)."""
PLACE_BUTTONS = 8
"""Communities offered as buttons at the place (a district with more: typing is quicker)."""


def communities() -> tuple[Community, ...]:
    return current.get().communities


def _button(language: str, text: str, *data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode("ob", *data))


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _with_cancel(language: str, rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    cancel = _button(language, t(language, "onbehalf.button.cancel"), "cancel")
    return InlineKeyboardMarkup([*rows, [cancel]])


def prompt(language: str, view: RecordingView) -> tuple[str, InlineKeyboardMarkup]:
    """The question of the recording's current step, with its buttons."""
    step = view.step
    if step == "channel":
        buttons = [_button(language, t(language, f"channel.{c}"), "ch", c) for c in CHANNELS]
        return t(language, "onbehalf.ask.channel"), _with_cancel(language, _pairs(buttons))
    if step == "category":
        buttons = [
            _button(language, category_name(language, c.id), "cat", c.id)
            for c in complaint_categories()
        ]
        return t(language, "onbehalf.ask.category"), _with_cancel(language, _pairs(buttons))
    if step == "phone" and view.channel == "letter":
        rows = [[_button(language, t(language, "onbehalf.button.no_phone"), "nophone")]]
        return t(language, "onbehalf.ask.phone_letter"), _with_cancel(language, rows)
    if step == "place":  # typed, or one of the district's communities (the first few)
        buttons = [_button(language, c.name, "pl", c.id) for c in communities()[:PLACE_BUTTONS]]
        return t(language, "onbehalf.ask.place"), _with_cancel(language, _pairs(buttons))
    if step in TYPED:
        return t(language, f"onbehalf.ask.{step}", min=MIN_DESCRIPTION), _with_cancel(language, [])
    return summary(language, view), InlineKeyboardMarkup(
        [
            [
                _button(language, t(language, "onbehalf.button.submit"), "submit"),
                _button(language, t(language, "onbehalf.button.edit"), "edit"),
            ],
            [_button(language, t(language, "onbehalf.button.cancel"), "cancel")],
        ]
    )


def summary(language: str, view: RecordingView) -> str:
    return t(
        language,
        "onbehalf.summary",
        channel=t(language, f"channel.{view.channel}"),
        category=category_name(language, view.category or ""),
        description=view.description or "",
        place=view.place or "",
        name=view.name or "",
        phone=view.phone or t(language, "onbehalf.no_phone"),
    )


def edit_keyboard(language: str) -> InlineKeyboardMarkup:
    """修改: which answer to give again."""
    buttons = [_button(language, t(language, f"onbehalf.field.{f}"), "field", f) for f in FIELDS]
    return _with_cancel(language, _pairs(buttons))


def refusal(language: str, field: str) -> str:
    """Why a typed answer was not taken (nothing was stored)."""
    limits = {"min": MIN_DESCRIPTION, "max": MAX_DESCRIPTION}
    if field == "place":
        limits["max"] = MAX_LOCATION
    elif field == "name":
        limits["max"] = MAX_NAME
    return t(language, f"onbehalf.bad.{field}", **limits)
