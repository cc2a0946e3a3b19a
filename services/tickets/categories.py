"""Ticket categories and their time limits, in working hours.

The list follows the district programme's complaint channels (环境卫生, 噪音, 违章搭建,
污染, 物业管理, 治安, 设施报修, 邻里纠纷, 服务态度, 其他). Ids are the ``complaint_category``
values knowledge-base entries use to offer "file a complaint"; "enquiry" is a question a
resident asked a person to answer. Limits are working hours (a working day is 8.5 hours, see
services.worktime): what the service centre commits to, 12345-hotline style — first response
(受理/响应) and resolution (办结). They are configuration, changed here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import InvalidInput

ENQUIRY = "enquiry"
"""The category of a question turned into a ticket."""


@dataclass(frozen=True, slots=True)
class Category:
    """One ticket category: id, titles, and its response / resolution limits in work hours."""

    id: str
    title: str
    title_en: str
    response_hours: float
    resolution_hours: float


CATEGORIES: tuple[Category, ...] = (
    Category("sanitation", "环境卫生", "Environment & sanitation", 4, 25.5),
    Category("noise", "噪音扰民", "Noise", 4, 17),
    Category("illegal-construction", "违章搭建", "Illegal construction", 8.5, 85),
    Category("pollution", "污染", "Pollution", 4, 42.5),
    Category("property", "物业管理", "Property management", 4, 42.5),
    # Safety first: the shortest limits.
    Category("public-security", "社会治安", "Public security", 2, 17),
    Category("facilities", "设施报修", "Facilities repair", 4, 42.5),
    Category("neighbour-dispute", "邻里纠纷", "Neighbour dispute", 8.5, 42.5),
    Category("service-attitude", "服务态度", "Service attitude", 8.5, 42.5),
    Category("other", "其他", "Other", 8.5, 42.5),
    Category(ENQUIRY, "咨询", "Enquiry", 4, 17),
)

_BY_ID = {c.id: c for c in CATEGORIES}


def complaint_categories() -> tuple[Category, ...]:
    """The categories a resident picks from when filing (enquiry is not one of them)."""
    return tuple(c for c in CATEGORIES if c.id != ENQUIRY)


def get_category(category_id: str) -> Category:
    """The category with this id; InvalidInput for an unknown one."""
    try:
        return _BY_ID[category_id]
    except KeyError:
        raise InvalidInput(f"unknown category {category_id!r}") from None


def category_title(category_id: str) -> str:
    """The Chinese title of a category; the id itself for one removed from the
    configuration since a ticket was filed in it (old tickets are still reported)."""
    found = _BY_ID.get(category_id)
    return category_id if found is None else found.title
