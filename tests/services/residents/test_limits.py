"""One resident's share: a sliding window per person, refused actions not counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.residents.limits import Throttle, TooManyRequests
from tests.services.conftest import Clock


def test_a_window_per_person_and_the_wait_it_names() -> None:
    clock = Clock(datetime(2026, 11, 2, tzinfo=UTC))
    throttle = Throttle("filings", 2, timedelta(hours=1), clock)
    throttle.check(1)
    clock.advance(minutes=10)
    throttle.check(1)
    throttle.check(2)  # someone else is not affected
    with pytest.raises(TooManyRequests) as refused:
        throttle.check(1)
    assert refused.value.wait == timedelta(minutes=50)
    clock.advance(minutes=50)
    throttle.check(1)  # the first one left the window; the refused one never counted


def test_zero_lifts_the_limit() -> None:
    throttle = Throttle("questions", 0, timedelta(minutes=1), Clock())
    for _ in range(1000):
        throttle.check(1)
