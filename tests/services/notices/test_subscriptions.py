"""Subscriptions: topics, quiet hours (with a controllable clock), /stop, asked once."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from services.errors import InvalidInput, NotFound
from services.notices.subscriptions import (
    TOPICS,
    SubscriptionService,
    get_topic,
    parse_clock,
    release_time,
)
from services.workdays.worktime import TIMEZONE as TZ
from storage import Database
from tests.services.conftest import NEIGHBOUR, RESIDENT, Clock, add_people

DEFAULT = (22 * 60, 7 * 60)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
async def prefs(database: Database) -> SubscriptionService:
    await add_people(database)
    return SubscriptionService(database, Clock())


def test_topics_have_ascii_ids_and_catalog_keys() -> None:
    assert [(t.id, t.title) for t in TOPICS] == [
        ("water_power", "停水停电"),
        ("activities", "社区活动"),
        ("policy", "政策解读"),
        ("disclosure", "居务公开"),
    ]
    assert all(t.id.isascii() and t.catalog_key == f"topic.{t.id}" for t in TOPICS)
    with pytest.raises(InvalidInput, match="topics are water_power"):
        get_topic("停水")


@pytest.mark.parametrize(
    ("now", "quiet", "released"),
    [
        (local(2026, 11, 2, 21, 59), DEFAULT, local(2026, 11, 2, 21, 59)),
        (local(2026, 11, 2, 22, 0), DEFAULT, local(2026, 11, 3, 7, 0)),
        (local(2026, 11, 3, 3, 15), DEFAULT, local(2026, 11, 3, 7, 0)),
        (local(2026, 11, 3, 7, 0), DEFAULT, local(2026, 11, 3, 7, 0)),
        (local(2026, 11, 3, 13, 0), (12 * 60, 14 * 60), local(2026, 11, 3, 14, 0)),
        (local(2026, 11, 3, 14, 0), (12 * 60, 14 * 60), local(2026, 11, 3, 14, 0)),
        (local(2026, 11, 3, 3, 0), (0, 0), local(2026, 11, 3, 3, 0)),
    ],
)
def test_release_time(now: datetime, quiet: tuple[int, int], released: datetime) -> None:
    assert release_time(now.astimezone(UTC), *quiet, TZ) == released


def test_clock_times_are_read_leniently_and_checked() -> None:
    assert [parse_clock(t) for t in ("7:00", "22:30", "0730", " 06：45 ")] == [
        time(7),
        time(22, 30),
        time(7, 30),
        time(6, 45),
    ]
    for bad in ("24:00", "7", "seven", "12:60"):
        with pytest.raises(InvalidInput, match="not a time of day"):
            parse_clock(bad)


async def test_subscribe_unsubscribe_and_defaults(prefs: SubscriptionService) -> None:
    start = await prefs.preferences(RESIDENT)
    assert (start.topics, start.quiet_start, start.quiet_end) == ((), time(22), time(7))
    assert (start.stopped, start.asked, start.community) == (False, False, None)
    await prefs.subscribe(RESIDENT, "policy")
    again = await prefs.subscribe(RESIDENT, "policy")
    both = await prefs.subscribe(RESIDENT, "water_power")
    assert again.topics == ("policy",) and both.topics == ("policy", "water_power")
    assert both.asked  # choosing a topic answers the question too
    assert (await prefs.unsubscribe(RESIDENT, "policy")).topics == ("water_power",)
    assert (await prefs.unsubscribe(RESIDENT, "policy")).topics == ("water_power",)
    assert (await prefs.preferences(NEIGHBOUR)).topics == ()
    with pytest.raises(InvalidInput, match="unknown topic"):
        await prefs.subscribe(RESIDENT, "gossip")
    with pytest.raises(NotFound):
        await prefs.subscribe(999, "policy")


async def test_quiet_hours_stop_and_home(prefs: SubscriptionService) -> None:
    changed = await prefs.set_quiet_hours(RESIDENT, time(23, 30), time(6, 0))
    assert (changed.quiet_start, changed.quiet_end) == (time(23, 30), time(6))
    await prefs.subscribe(RESIDENT, "activities")
    stopped = await prefs.stop_all(RESIDENT)
    assert stopped.stopped and stopped.topics == ("activities",)  # kept for resume
    assert not (await prefs.resume(RESIDENT)).stopped
    await prefs.stop_all(RESIDENT)
    assert not (await prefs.subscribe(RESIDENT, "policy")).stopped
    home = await prefs.set_home(RESIDENT, " 幸福社区 ", "")
    assert (home.community, home.building) == ("幸福社区", None)
    with pytest.raises(InvalidInput, match="at most 64"):
        await prefs.set_home(RESIDENT, "社" * 65, None)


async def test_new_residents_are_asked_once(prefs: SubscriptionService) -> None:
    assert await prefs.claim_first_ask(RESIDENT) is True
    assert await prefs.claim_first_ask(RESIDENT) is False
    assert (await prefs.preferences(RESIDENT)).asked
    await prefs.subscribe(NEIGHBOUR, "policy")
    assert await prefs.claim_first_ask(NEIGHBOUR) is False
    assert await prefs.claim_first_ask(999) is False  # unknown person: nothing to ask
