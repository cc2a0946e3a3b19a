"""Tests here load districts of their own: each leaves the process's live one as it found it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.district import current


@pytest.fixture(autouse=True)
def _restore_live_district() -> Iterator[None]:
    before = current.get()
    yield
    current.use(before)
