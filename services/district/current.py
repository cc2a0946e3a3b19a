"""The district configuration this process runs with, for code that has no Services at hand.

Ticket categories and their limits are read in many places (filing, reminders, figures, the
staff card) through services.tickets.categories' functions; rather than thread the live
District through each, LiveDistrict sets it here when it loads. Until then (a script, a test
that builds no Services), the bundled sample's configuration applies.
"""

from __future__ import annotations

from functools import cache

from services.district.loader import load_district
from services.district.model import District

_live: list[District] = []


@cache
def bundled() -> District:
    """The bundled configuration (the sample folder with linli's default categories)."""
    return load_district(None)


def get() -> District:
    """The live District of this process (the bundled one until a folder is loaded)."""
    return _live[-1] if _live else bundled()


def use(district: District) -> None:
    """Make ``district`` the live one (LiveDistrict, on load and on every change)."""
    _live[:] = [district]


def dispatching() -> bool:
    """Whether the live configuration dispatches tickets to units at all: a sample one does
    not (its chat ids are placeholders), so every ticket stays with the central staff chat."""
    return not get().sample


def unit_chats() -> frozenset[int]:
    """The chats where the configured units' staff work (none while dispatching is off)."""
    return frozenset(u.chat_id for u in get().units) if dispatching() else frozenset()
