"""The live district configuration: loaded at start, swapped whole when its files change.

Like the knowledge base (services/knowledge/live.py), every process follows the folder by
itself (bot/district_follow.py), a version that does not validate is refused once and the
running one stays. The categories of the live district are also what
services.tickets.categories hands out, so the one current configuration of a process is set
here and nowhere else.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.district import current
from services.district.loader import DistrictError, files_version, load_district
from services.district.model import District


class LiveDistrict:
    """Holds the current District; a reload builds a new one and swaps the reference."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._loaded = files_version(folder)
        self._refused: object = None
        self.district = load_district(folder)
        current.use(self.district)
        self.load_failures = 0

    async def reload_if_changed(self) -> District | None:
        """Reload if the files changed since they were last loaded; the new District, or
        None when nothing changed. A version that does not validate raises DistrictError
        once, and the running configuration stays."""
        version = files_version(self.folder)
        if version in (self._loaded, self._refused):
            return None
        try:
            district = await asyncio.to_thread(load_district, self.folder)
        except DistrictError:
            self._refused = version
            self.load_failures += 1
            raise
        self.district, self._loaded = district, version
        current.use(district)
        return district
