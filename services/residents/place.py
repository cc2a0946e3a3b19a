"""Where a resident lives: a community of the district's configuration and one of its
buildings (or grids), chosen at /start (once, skippable) or with /profile, or placed from a
shared location.

Notices to a community or building reach the residents who chose it; new tickets belong to
it unless their place says otherwise; the figures count by it. Every use case takes the
Actor: a resident changes only their own place, and only in their private chat with linli
(a button forwarded into a group, or forged, changes nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.script import to_simplified
from services.access import Actor, require_private
from services.district.live import LiveDistrict
from services.district.model import Community
from services.errors import InvalidInput, NotFound
from storage import Database
from storage.models import Resident
from storage.repositories import residents as residents_repo

# Words a question has and a community's or building's name does not (Simplified,
# Traditional, English), and names are short: text like this, matching no place, is the
# resident asking something else while linli waited for where they live.
_QUESTION = re.compile(
    r"[?？吗嗎呢]|怎么|怎麼|如何|什么|什麼|甚麼|哪里|哪裡|哪儿|哪兒|多少|能不能|"
    r"可以|要不要|是否|为什么|為什麼|几点|幾點|\b(how|what|where|when|why|who|can|could|is|do|does)\b",
    re.IGNORECASE,
)
_LONGEST_NAME = 16


def reads_as_question(text: str) -> bool:
    """Whether typed text is more likely a question than a place's name (see _QUESTION)."""
    typed = text.strip()
    return len(typed) > _LONGEST_NAME or bool(_QUESTION.search(typed))


class PlaceRefused(InvalidInput):
    """The choice cannot be taken; ``reason`` is "community" (no such community),
    "building" (not one of the community's), "no_coordinates" (the configuration has none)
    or "far" (the location is near no community)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"place refused: {reason}")


@dataclass(frozen=True, slots=True)
class PlaceView:
    """The resident's place: the community (None: not given) and building (None: not given,
    or a community chosen without one)."""

    community: Community | None
    building: str | None
    stale_community_id: str | None = None  # an id no longer in the configuration

    @property
    def label(self) -> str:
        """示例社区A 3号楼, or "" when nothing is given."""
        name = self.community.name if self.community else self.stale_community_id or ""
        return f"{name} {self.building or ''}".strip()


class PlaceService:
    """Read and change where residents live."""

    def __init__(self, db: Database, district: LiveDistrict) -> None:
        self._db = db
        self._live = district

    def communities(self, text: str = "") -> tuple[Community, ...]:
        """The configured communities whose name (or an estate's) contains ``text`` (all for
        empty text); else the one that text which is not a question names (我住在幸福里小区,
        幸福里小区3号楼)."""
        district = self._live.district
        found = district.search(text)
        if found or reads_as_question(text):
            return found
        named = district.named_in(text)
        return (named,) if named is not None else ()

    def buildings(self, community_id: str, text: str = "") -> tuple[str, ...]:
        """The buildings (or grids) of a community containing ``text`` (3號樓 finds 3号楼);
        PlaceRefused for an unknown community."""
        community = self._community(community_id)
        needle = to_simplified("".join(text.split()))
        return tuple(b for b in community.places if needle in b)

    @property
    def locatable(self) -> bool:
        """Whether a shared location can be placed (some community has coordinates)."""
        return self._live.district.located

    async def place(self, actor: Actor) -> PlaceView:
        """Where the actor lives, as recorded."""
        async with self._db.transaction() as session:
            return self._view(await _person(session, actor))

    async def choose_community(self, actor: Actor, community_id: str) -> PlaceView:
        """The actor lives in this community (their building is asked next, so the old one
        goes); PlaceRefused for an id the configuration does not have."""
        require_private(actor)
        community = self._community(community_id)
        async with self._db.transaction() as session:
            person = await _person(session, actor)
            if person.community != community.id:
                person.building = None
            person.community = community.id
            return self._view(person)

    async def choose_building(self, actor: Actor, community_id: str, index: int) -> PlaceView:
        """The actor lives in building ``index`` of the community (buttons carry the index:
        names can be longer than callback data allows)."""
        require_private(actor)
        community = self._community(community_id)
        if not 0 <= index < len(community.places):
            raise PlaceRefused("building")
        async with self._db.transaction() as session:
            person = await _person(session, actor)
            person.community, person.building = community.id, community.places[index]
            return self._view(person)

    async def locate(self, actor: Actor, lat: float, lon: float) -> PlaceView:
        """The actor lives in the community nearest to the location they shared."""
        require_private(actor)
        district = self._live.district
        if not district.located:
            raise PlaceRefused("no_coordinates")
        found = district.nearest(lat, lon)
        if found is None:
            raise PlaceRefused("far")
        return await self.choose_community(actor, found.id)

    async def clear(self, actor: Actor) -> PlaceView:
        """The actor no longer says where they live."""
        require_private(actor)
        async with self._db.transaction() as session:
            person = await _person(session, actor)
            person.community = person.building = None
            return self._view(person)

    async def ask_once(self, actor: Actor) -> bool:
        """True exactly once per resident who has no place yet: the moment (/start) to ask
        where they live."""
        if not actor.private:
            return False
        async with self._db.transaction() as session:
            person = await _person(session, actor)
            if person.place_asked or person.community is not None:
                return False
            person.place_asked = True
            return True

    def _community(self, community_id: str) -> Community:
        found = self._live.district.community(community_id)
        if found is None:
            raise PlaceRefused("community")
        return found

    def _view(self, person: Resident) -> PlaceView:
        community = self._live.district.community(person.community)
        stale = person.community if community is None else None
        return PlaceView(community, person.building, stale)


async def _person(session: AsyncSession, actor: Actor) -> Resident:
    row = await residents_repo.get_resident(session, actor.telegram_id)
    if row is None:
        raise NotFound("resident")
    return row
