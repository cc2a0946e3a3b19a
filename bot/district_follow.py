"""Every process follows the district's configuration folder: a change is live within
seconds, as with the knowledge base (bot/knowledge_follow.py).

A version that does not validate is logged once, with its first problem, and the running
configuration stays; `linli district check` lists every problem.
"""

from __future__ import annotations

import logging

from bot.follow import reload_or_keep
from handlers.context import Context
from services import Services
from services.district import DistrictError

log = logging.getLogger("linli.district")


async def reload_district_if_changed(context: Context) -> bool:
    """One check; True when the files changed and the new version is live."""
    services: Services = context.services
    district = await reload_or_keep(
        services.district.reload_if_changed,
        DistrictError,
        log,
        "the district's configuration changed but has %d problem(s), first: %s; the "
        "running configuration stays (linli district check lists them all)",
    )
    if district is None:
        return False
    log.info(
        "district configuration reloaded after its files changed: %d communities, %d units, "
        "%d categories, %d routes",
        len(district.communities),
        len(district.units),
        len(district.categories),
        len(district.routes),
    )
    return True
