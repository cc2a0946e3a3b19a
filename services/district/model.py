"""The district as its operator configured it: communities, units, categories, routes.

Plain immutable records, built by services/district/loader.py from the operator's YAML
folder (LINLI_DISTRICT_DIR) and swapped whole when the files change (live.py). Everything
that needs to know "which communities are there", "how long may a noise complaint take" or
"which unit handles property problems in 示例社区A" asks a District.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from knowledge.script import to_simplified

WILDCARD = "*"
"""In a routing rule: any category, or any community."""

ENQUIRY = "enquiry"
"""The category of a question a resident asked a person to answer; every district has it."""

NEAREST_KM = 5.0
"""A shared location farther than this from every configured community matches none: a pin
in another district must not land in the closest community of this one."""


class UnitKind(StrEnum):
    """What kind of body a unit is (单位类型)."""

    RESIDENTS_COMMITTEE = "residents-committee"  # 居委会
    PROPERTY = "property"  # 物业公司
    CHENGGUAN = "chengguan"  # 城管
    POLICE = "police"  # 派出所 / 警务室
    SANITATION = "sanitation"  # 环卫
    GRID = "grid"  # 网格员
    SERVICE_CENTRE = "service-centre"  # 社区服务中心 (the central desk)


@dataclass(frozen=True, slots=True)
class Category:
    """One ticket category: id, titles, and its response / resolution limits in work hours."""

    id: str
    title: str
    title_en: str
    response_hours: float
    resolution_hours: float


@dataclass(frozen=True, slots=True)
class Community:
    """A community (社区) with its buildings (楼栋) or grids (网格), where it is, and the
    estates (小区) in it: residents often know their estate's name and not their
    community's."""

    id: str
    name: str
    places: tuple[str, ...]  # buildings, or grids where the community is divided so
    place_kind: str  # "buildings" or "grids", as the file named them
    lat: float | None = None
    lon: float | None = None
    estates: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """What residents may call it: its name, and its estates' names."""
        return (self.name, *self.estates)

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit that handles tickets (单位), and the Telegram chat (and forum topic) its staff
    work in."""

    id: str
    name: str
    kind: UnitKind
    chat_id: int
    topic_id: int | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """Tickets of ``category`` in ``community`` go to ``unit``; either may be WILDCARD."""

    category: str
    community: str
    unit: str


@dataclass(frozen=True, slots=True)
class District:
    """The whole configuration, validated: every id a rule names exists."""

    communities: tuple[Community, ...]
    units: tuple[Unit, ...]
    categories: tuple[Category, ...]
    routes: tuple[Route, ...]
    sample: bool = False  # the folder says it is sample data, to be replaced

    def community(self, community_id: str | None) -> Community | None:
        """The community with this id, or None (unknown, or no id)."""
        return next((c for c in self.communities if c.id == community_id), None)

    def unit(self, unit_id: str) -> Unit | None:
        """The unit with this id, or None."""
        return next((u for u in self.units if u.id == unit_id), None)

    def category(self, category_id: str) -> Category | None:
        """The category with this id, or None."""
        return next((c for c in self.categories if c.id == category_id), None)

    def search(self, text: str) -> tuple[Community, ...]:
        """The communities whose name, one of whose estates' names, or whose id contains
        ``text`` (case and spaces ignored); all of them for empty text. An exact name or
        id match comes alone. (Text that contains an estate's name and more, such as a
        question about it, is not a search for it.)"""
        needle = _squash(text)
        if not needle:
            return self.communities
        exact = [
            c
            for c in self.communities
            if needle == c.id.lower() or needle in {_squash(n) for n in c.names}
        ]
        if exact:
            return tuple(exact)
        # A part of an id only from three characters on: "a" is in most ids.
        in_id = len(needle) >= 3
        return tuple(
            c
            for c in self.communities
            if (in_id and needle in c.id) or any(needle in _squash(n) for n in c.names)
        )

    def find_community(self, text: str) -> Community | None:
        """The one community ``text`` names (its id, its name, or a part of its name only
        it has); None when none or several match."""
        found = self.search(text) if text.strip() else ()
        return found[0] if len(found) == 1 else None

    def find_building(self, text: str) -> tuple[Community, str] | None:
        """The building ``text`` names: "示例社区A 3号楼", "sample-a/3号楼", or a building
        name only one community has; None when it names none or several."""
        squashed = _squash(text.replace("/", " "))
        found: list[tuple[Community, str]] = []
        for community in self.communities:
            for prefix in (_squash(community.name), community.id):
                if squashed.startswith(prefix):
                    rest = squashed[len(prefix) :]
                    found += [(community, p) for p in community.places if _squash(p) == rest]
        if not found:  # no community named: a building only one community has
            found = [(c, p) for c in self.communities for p in c.places if _squash(p) == squashed]
        unique = list(dict.fromkeys(found))
        return unique[0] if len(unique) == 1 else None

    def named_in(self, text: str | None) -> Community | None:
        """The one community whose name, or one of whose estates' names, appears in
        ``text`` (a typed address), or None when none or several do."""
        if not text:
            return None
        squashed = _squash(text)
        found = [c for c in self.communities if any(_squash(n) in squashed for n in c.names)]
        return found[0] if len(found) == 1 else None

    def nearest(self, lat: float, lon: float) -> Community | None:
        """The community whose configured point is nearest to (lat, lon), within
        NEAREST_KM; None when no community has coordinates or all are farther."""
        located = [c for c in self.communities if c.lat is not None and c.lon is not None]
        if not located:
            return None
        best = min(located, key=lambda c: distance_km(lat, lon, c.lat or 0.0, c.lon or 0.0))
        near = distance_km(lat, lon, best.lat or 0.0, best.lon or 0.0) <= NEAREST_KM
        return best if near else None

    @property
    def located(self) -> bool:
        """Whether any community has coordinates (a shared location can be placed)."""
        return any(c.located for c in self.communities)

    def route(self, category: str, community: str | None) -> Unit | None:
        """The unit a ticket of ``category`` in ``community`` goes to: the most specific
        rule wins (category and community, then category alone, then community alone, then
        the catch-all); None when no rule applies (manual dispatch)."""
        where = community or ""
        for wanted in ((category, where), (category, WILDCARD), (WILDCARD, where),
                       (WILDCARD, WILDCARD)):  # fmt: skip
            rule = next((r for r in self.routes if (r.category, r.community) == wanted), None)
            if rule is not None:
                return self.unit(rule.unit)
        return None


def _squash(text: str) -> str:
    """Text as names are compared: without spaces, lower case, in Simplified characters
    (示例花園小區 finds 示例花园小区)."""
    return to_simplified("".join(text.split())).lower()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): exact enough within a district."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
