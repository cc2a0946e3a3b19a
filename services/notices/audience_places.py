"""Audiences by where residents live: a community of the district's configuration, or one
of its buildings (grids).

A community audience holds the community's id, a building audience
"<community id>/<building>", so that 3号楼 of one community is not 3号楼 of another; both
match the place residents chose with /profile (services/residents/place.py). Officials type
names; these functions turn them into audiences and back into names, against the live
configuration.
"""

from __future__ import annotations

from services.district import current
from services.errors import InvalidInput
from services.notices.views import Audience

SEPARATOR = "/"


class UnknownPlace(InvalidInput):
    """The text names no configured community (or building), or several; ``choices`` lists
    what could be meant (the communities' names)."""

    def __init__(self, kind: str, text: str, choices: tuple[str, ...]) -> None:
        self.kind, self.text, self.choices = kind, text, choices
        super().__init__(f"no {kind} {text!r} in the district's configuration")


def _choices() -> tuple[str, ...]:
    return tuple(c.name for c in current.get().communities)


def community_audience(text: str) -> Audience:
    """The residents of the community ``text`` names (id, name, or a part only it has)."""
    found = current.get().find_community(text)
    if found is None:
        raise UnknownPlace("community", text, _choices())
    return Audience.community(found.id)


def building_audience(text: str) -> Audience:
    """The residents of the building ``text`` names ("示例社区A 3号楼")."""
    found = current.get().find_building(text)
    if found is None:
        raise UnknownPlace("building", text, _choices())
    community, building = found
    return Audience.building(f"{community.id}{SEPARATOR}{building}")


def split_building(value: str) -> tuple[str | None, str]:
    """(community id, building) of a building audience's value; (None, value) for one
    written before buildings belonged to communities."""
    community, sep, building = value.partition(SEPARATOR)
    return (community, building) if sep else (None, value)


def check_place(audience: Audience) -> None:
    """UnknownPlace unless a community or building audience names a configured place."""
    district, value = current.get(), audience.value or ""
    if audience.kind == "community" and district.community(value) is None:
        raise UnknownPlace("community", value, _choices())
    if audience.kind == "building":
        community_id, building = split_building(value)
        community = district.community(community_id)
        if community is None or building not in community.places:
            raise UnknownPlace("building", value, _choices())


def place_name(audience: Audience) -> str:
    """示例社区A, or 示例社区A 3号楼: the audience's place as people read it."""
    district, value = current.get(), audience.value or ""
    if audience.kind == "community":
        community = district.community(value)
        return community.name if community else value
    community_id, building = split_building(value)
    community = district.community(community_id)
    return f"{community.name if community else community_id or ''} {building}".strip()
