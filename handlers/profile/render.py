"""What /profile says and its buttons. Callback data (all "pf:…"): pf:c:<community id>,
pf:b:<community id>:<building index>, pf:all (every community again), pf:change, pf:clear,
pf:skip (not now / no building), pf:done."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import encode
from handlers.i18n import t
from services.district.model import Community
from services.residents.place import PlaceView

MAX_BUTTONS = 12
"""More choices than this and the resident is asked to type part of the name."""


def _button(text: str, *data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode("pf", *data))


def _rows(buttons: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def current(language: str, place: PlaceView) -> tuple[str, InlineKeyboardMarkup]:
    """The place on record, with "change" and (when there is one) "clear"."""
    if not place.label:
        text = t(language, "profile.none")
    else:
        text = t(language, "profile.current", place=place.label)
    rows = [[_button(t(language, "profile.button.change"), "change")]]
    if place.label:
        rows.append([_button(t(language, "profile.button.clear"), "clear")])
    return text, InlineKeyboardMarkup(rows)


def communities(
    language: str,
    found: Sequence[Community],
    *,
    typed: str | None,
    locatable: bool,
    missed: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The communities to pick from (those whose name contains what was typed); ``missed``:
    the text that matched none, said so before the way on (``found`` then lists all)."""
    if missed:
        text = t(language, "profile.no_community", text=missed)
    else:
        text = t(language, "profile.ask_community")
    if len(found) > MAX_BUTTONS:
        text += "\n" + t(language, "profile.type_to_narrow", n=len(found))
    if locatable:
        text += "\n" + t(language, "profile.or_location")
    buttons = [_button(c.name, "c", c.id) for c in found[:MAX_BUTTONS]]
    rows = _rows(buttons)
    if typed is not None and not missed:  # after a miss, every community is listed already
        rows.append([_button(t(language, "profile.button.all"), "all")])
    rows.append([_button(t(language, "profile.button.skip"), "skip")])
    return text, InlineKeyboardMarkup(rows)


def buildings(
    language: str, community: Community, shown: Sequence[str], *, missed: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The community's buildings (or grids) to pick from, and if ``missed`` (typed text
    that matched none) that it did not; the index travels in the button."""
    kind = t(language, f"profile.kind.{community.place_kind}")
    if missed is not None:
        text = t(language, "profile.no_building", text=missed, kind=kind)
    else:
        text = t(language, "profile.ask_building", community=community.name, kind=kind)
    if len(shown) > MAX_BUTTONS:
        text += "\n" + t(language, "profile.type_to_narrow", n=len(shown))
    buttons = [
        _button(name, "b", community.id, community.places.index(name))
        for name in shown[:MAX_BUTTONS]
    ]
    rows = _rows(buttons)
    rows.append([_button(t(language, "profile.button.no_building", kind=kind), "done")])
    return text, InlineKeyboardMarkup(rows)
