"""Ticket categories and their time limits, in working hours.

They are the district's configuration (services/district: ``categories`` in the operator's
folder, linli's defaults in the bundled categories.yaml): the list follows the district
programme's complaint channels (环境卫生, 噪音, 违章搭建, 污染, 物业管理, 治安, 设施报修,
邻里纠纷, 服务态度, 其他). Ids are the ``complaint_category`` values knowledge-base entries use
to offer "file a complaint"; "enquiry" is a question a resident asked a person to answer.
Limits are working hours (a working day is 8.5 hours, see services.worktime): first response
(受理/响应) and resolution (办结). These functions read the live configuration of the process.
"""

from __future__ import annotations

from services.district import current
from services.district.model import ENQUIRY, Category
from services.errors import InvalidInput

__all__ = ["CATEGORIES", "ENQUIRY", "Category", "all_categories", "category_title",
           "complaint_categories", "get_category"]  # fmt: skip

CATEGORIES: tuple[Category, ...] = current.bundled().categories
"""linli's default categories (the bundled file), for what must be fixed when the process
starts, such as the metrics' label values; everything else reads ``all_categories()``."""


def all_categories() -> tuple[Category, ...]:
    """The live district's categories, enquiry included."""
    return current.get().categories


def complaint_categories() -> tuple[Category, ...]:
    """The categories a resident picks from when filing (enquiry is not one of them)."""
    return tuple(c for c in all_categories() if c.id != ENQUIRY)


def get_category(category_id: str) -> Category:
    """The category with this id; InvalidInput for an unknown one."""
    found = current.get().category(category_id)
    if found is None:
        raise InvalidInput(f"unknown category {category_id!r}")
    return found


def category_title(category_id: str) -> str:
    """The Chinese title of a category; the id itself for one removed from the
    configuration since a ticket was filed in it (old tickets are still reported)."""
    found = current.get().category(category_id)
    return category_id if found is None else found.title
