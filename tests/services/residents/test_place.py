"""PlaceService: where residents live, checked in the service (who, from where, what)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.access import Actor, WrongPlace
from services.district.live import LiveDistrict
from services.errors import NotFound
from services.residents.place import PlaceRefused, PlaceService, reads_as_question
from storage import Database
from storage.repositories.residents import upsert_resident

ME = 200001
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
async def places(database: Database, tmp_path: Path) -> PlaceService:
    (tmp_path / "d.yaml").write_text(
        "communities:\n  - {id: east, name: 东园社区, buildings: [1号楼, 2号楼]}\n"
        "  - {id: west, name: 西园社区}\n",
        encoding="utf-8",
    )
    async with database.transaction() as session:
        await upsert_resident(session, telegram_id=ME, chat_id=ME, display_name="小王", now=NOW)
    return PlaceService(database, LiveDistrict(tmp_path))


async def test_choices_are_stored_and_a_new_community_drops_the_old_building(
    places: PlaceService,
) -> None:
    me = Actor.in_private(ME)
    assert (await places.choose_building(me, "east", 1)).label == "东园社区 2号楼"
    view = await places.choose_community(me, "west")
    assert (view.community.id if view.community else None, view.building) == ("west", None)
    assert (await places.clear(me)).label == ""


async def test_bad_choices_change_nothing(places: PlaceService) -> None:
    me = Actor.in_private(ME)
    await places.choose_building(me, "east", 0)
    for attempt, reason in (
        (places.choose_community(me, "nowhere"), "community"),
        (places.choose_building(me, "east", 7), "building"),
        (places.choose_building(me, "east", -1), "building"),
        (places.locate(me, 30.0, 120.0), "no_coordinates"),  # no community has coordinates
    ):
        with pytest.raises(PlaceRefused) as refused:
            await attempt
        assert refused.value.reason == reason
    with pytest.raises(WrongPlace):  # the resident's own button, pressed in a group
        await places.choose_community(Actor(ME, -100123), "west")
    assert (await places.place(me)).label == "东园社区 1号楼"
    with pytest.raises(NotFound):
        await places.choose_community(Actor.in_private(999), "west")


async def test_asked_once_and_never_when_a_place_is_known(places: PlaceService) -> None:
    me = Actor.in_private(ME)
    assert not await places.ask_once(Actor(ME, -100123))  # not in a group
    assert await places.ask_once(me)
    assert not await places.ask_once(me)
    assert places.buildings("east", "2") == ("2号楼",)
    assert [c.id for c in places.communities("西")] == ["west"]


@pytest.mark.parametrize(
    "typed",
    [
        "低保怎么申请",
        "居住证要什么材料",
        "楼上装修太吵了怎么办",
        "低保怎麼申請？",
        "How do I apply",
    ],
)
def test_a_question_reads_as_one_and_not_as_a_place(typed: str) -> None:
    assert reads_as_question(typed)


@pytest.mark.parametrize(
    "typed", ["示例社区A", "社区 c", "3号楼", "第二网格", "幸福里小区", "阳光"]
)
def test_a_place_name_does_not_read_as_a_question(typed: str) -> None:
    assert not reads_as_question(typed)


def test_text_longer_than_a_name_reads_as_a_question() -> None:
    assert reads_as_question("老人每个月领的那个补贴钱一般是几号发下来")
