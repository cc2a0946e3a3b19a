"""How precisely a place is shown to people other than the one who reported it, and which
community of the district's configuration a new ticket belongs to."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from services.district import current
from services.reports.scrub import mask_people

if TYPE_CHECKING:
    from services.tickets.complaint import Complaint

# Unit, floor, room and door: 2单元, 5层, 501室, 3-501, 五零一, and whatever follows them.
_BELOW_BUILDING = re.compile(
    r"(?:[\d一二三四五六七八九十零〇两]+\s*(?:单元|层|楼层|室|户|号房|房)"
    r"|\d*\s*-\s*\d+|[一二三四五六七八九]{1,2}[零〇][一二三四五六七八九]|\d{3,4}(?!\s*(?:号楼|栋|幢|座)))"
    r".*",
    re.S,
)
_PHONE = re.compile(r"\+?\d[\d\s-]{6,}\d")
# A building (or a street number): 3号楼, 5栋, B座, 3#楼, 12号院, 幸福路12号.
_BUILDING = re.compile(
    r"[\dA-Za-z一二三四五六七八九十零〇两]+\s*(?:号楼|#楼|号院|栋|幢|座|#|号(?![线码]))"
)


def building_level(location_text: str | None) -> str:
    """The place cut to its building: 幸福小区3号楼2单元501室 → 幸福小区3号楼, and what
    follows the building goes too (幸福小区3号楼 张伟家楼上 → 幸福小区3号楼: whose home,
    their contacts); people named with a title are masked (王阿姨家楼下 → 某人家楼下);
    "" when nothing of it is shown."""
    if not location_text:
        return ""
    place = _BELOW_BUILDING.sub("", _PHONE.sub("", location_text))
    buildings = list(_BUILDING.finditer(place))
    if buildings:
        place = place[: buildings[-1].end()]
    return mask_people(place.strip(" ，,、-"))[:40]


def community_of(complaint: Complaint, filer_community: str | None) -> str | None:
    """The community a new ticket belongs to: the one its typed place names, else the one
    nearest to its map point, else where the filer lives (/profile); None when none of
    these says (the figures then count it as 未标注)."""
    district = current.get()
    found = district.named_in(complaint.location_text)
    if found is None and complaint.latitude is not None and complaint.longitude is not None:
        found = district.nearest(complaint.latitude, complaint.longitude)
    if found is not None:
        return found.id
    return filer_community if district.community(filer_community) else None
