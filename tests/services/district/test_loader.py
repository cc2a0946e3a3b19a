"""The district's configuration folder: what loads, and every problem with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from services.district import DistrictError, UnitKind, check_district, load_district, sample_dir
from services.district.live import LiveDistrict
from services.tickets.categories import get_category

GOOD = """\
communities:
  - id: east
    name: 东园社区
    buildings: [1号楼, 2号楼]
    lat: 30.0
    lon: 120.0
  - id: west
    name: 西园社区
    grids: [第一网格]
units:
  - {id: rc-east, name: 东园居委会, kind: residents-committee, chat_id: -100111, topic_id: 7}
  - {id: centre, name: 服务中心, kind: service-centre, chat_id: -100222}
routes:
  - {category: noise, community: east, unit: rc-east}
  - {category: "*", community: "*", unit: centre}
"""


def _folder(tmp_path: Path, text: str, name: str = "district.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _messages(folder: Path) -> list[str]:
    return [str(p) for p in check_district(folder)]


def test_the_bundled_sample_loads_and_says_it_is_sample_data() -> None:
    district = load_district(None)
    assert district.sample
    assert [c.name for c in district.communities] == ["示例社区A", "示例社区B", "示例社区C"]
    assert all(u.chat_id < 0 for u in district.units)
    assert check_district(sample_dir()) == []


def test_the_bundled_categories_keep_their_ids_and_limits() -> None:
    # The limits the code had before they moved into the configuration.
    expected = {
        "sanitation": (4, 25.5), "noise": (4, 17), "illegal-construction": (8.5, 85),
        "pollution": (4, 42.5), "property": (4, 42.5), "public-security": (2, 17),
        "facilities": (4, 42.5), "neighbour-dispute": (8.5, 42.5),
        "service-attitude": (8.5, 42.5), "other": (8.5, 42.5), "enquiry": (4, 17),
    }  # fmt: skip
    district = load_district(None)
    got = {c.id: (c.response_hours, c.resolution_hours) for c in district.categories}
    assert got == expected


def test_a_folder_of_its_own_loads_with_linli_default_categories(tmp_path: Path) -> None:
    district = load_district(_folder(tmp_path, GOOD))
    assert not district.sample
    east = district.community("east")
    assert east is not None and east.places == ("1号楼", "2号楼") and east.located
    west = district.community("west")
    assert west is not None and west.place_kind == "grids" and not west.located
    assert district.unit("rc-east") is not None
    assert district.unit("rc-east").kind is UnitKind.RESIDENTS_COMMITTEE  # type: ignore[union-attr]
    assert district.category("enquiry") is not None  # from the bundled categories.yaml


def test_routing_takes_the_most_specific_rule(tmp_path: Path) -> None:
    district = load_district(_folder(tmp_path, GOOD))
    assert district.route("noise", "east").id == "rc-east"  # type: ignore[union-attr]
    assert district.route("noise", "west").id == "centre"  # type: ignore[union-attr]
    assert district.route("property", None).id == "centre"  # type: ignore[union-attr]


def test_search_nearest_and_named_in(tmp_path: Path) -> None:
    district = load_district(_folder(tmp_path, GOOD))
    assert [c.id for c in district.search("园")] == ["east", "west"]
    assert [c.id for c in district.search("东 园")] == ["east"]
    assert district.search("南") == ()
    assert district.nearest(30.001, 120.001).id == "east"  # type: ignore[union-attr]
    assert district.nearest(31.0, 121.0) is None  # far outside the district
    assert district.named_in("东园社区3号楼门口").id == "east"  # type: ignore[union-attr]
    assert district.named_in("门口") is None


def test_an_estate_finds_its_community_and_routes_a_place_typed_in_it(tmp_path: Path) -> None:
    # Residents know their 小区 better than their 社区.
    text = GOOD.replace(
        "    buildings: [1号楼, 2号楼]\n",
        "    buildings: [1号楼, 2号楼]\n    estates: [幸福里小区, 阳光花园]\n",
    )
    district = load_district(_folder(tmp_path, text))
    assert district.community("east").estates == ("幸福里小区", "阳光花园")  # type: ignore[union-attr]
    assert [c.id for c in district.search("幸福里小区")] == ["east"]  # an estate's full name
    assert [c.id for c in district.search("幸福里")] == ["east"]  # a part of it
    assert [c.id for c in district.search("阳光 花园")] == ["east"]
    # Text that holds an estate's name and more (a question about it) is not a search.
    assert district.search("幸福里小区的垃圾没人收") == ()
    assert district.named_in("幸福里小区3号楼楼道灯坏了").id == "east"  # type: ignore[union-attr]
    assert district.named_in("明月小区门口") is None
    # Traditional characters, as residents in Hong Kong or Taiwan type them.
    assert [c.id for c in district.search("幸福裡小區")] == ["east"]
    assert [c.id for c in district.search("東園")] == ["east"]
    assert district.named_in("幸福裡小區3號樓門口").id == "east"  # type: ignore[union-attr]


def test_one_letter_finds_no_community_by_a_part_of_its_id(tmp_path: Path) -> None:
    district = load_district(_folder(tmp_path, GOOD.replace("id: west", "id: west-a")))
    assert district.search("a") == ()  # "a" is in "west-a", and in most ids
    assert [c.id for c in district.search("wes")] == ["west-a"]
    assert [c.id for c in district.search("west-a")] == ["west-a"]


def test_every_problem_is_reported_with_file_and_line(tmp_path: Path) -> None:
    bad = """\
communities:
  - id: east
    name: 东园社区
    buildings: [1号楼, 1号楼]
  - id: east
    name: 重复
  - id: Bad Id
    name: x
    lat: 100
units:
  - {id: u1, name: 单位, kind: bakery, chat_id: 5}
categories:
  - {id: enquiry, title: 咨询, response_hours: 4, resolution_hours: 2}
  - {id: noise, title: 噪音, response_hours: 0, resolution_hours: 17}
routes:
  - {category: noise, community: nowhere, unit: u9}
  - {category: noise, community: nowhere, unit: u9}
colour: blue
"""
    folder = _folder(tmp_path, bad)
    file = folder / "district.yaml"
    got = _messages(folder)
    for want in [
        f"{file}:4: '1号楼' is listed twice in buildings",
        f"{file}:5: duplicate community id 'east' (first at {file}:2)",
        f"{file}:7: id 'Bad Id' must be lowercase letters, digits and hyphens (at most 40)",
        f"{file}:9: lat 100 is not between -90 and 90",
        f"{file}:7: give both lat and lon, or neither",
        f"{file}:11: unknown unit kind 'bakery'",
        f"{file}:11: chat_id of a unit's group chat is a negative number",
        f"{file}:13: resolution_hours 2 is shorter than response_hours 4",
        f"{file}:14: response_hours 0 is not between 0.25 and 510",
        f"{file}:16: unknown community 'nowhere' in a route",
        f"{file}:16: unknown unit 'u9' in a route",
        f"{file}:17: a second route for noise × nowhere",
        f"{file}:18: unknown section 'colour'",
    ]:
        assert any(line.startswith(want) for line in got), (want, got)
    with pytest.raises(DistrictError):
        load_district(folder)


def test_broken_yaml_and_a_missing_enquiry_category(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("communities: [\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "categories:\n  - {id: noise, title: 噪音, response_hours: 4, resolution_hours: 17}\n",
        encoding="utf-8",
    )
    got = _messages(tmp_path)
    assert any(m.startswith(f"{tmp_path / 'a.yaml'}:2: not valid YAML") for m in got), got
    assert f"{tmp_path}:0: the category 'enquiry' is required" in got


async def test_live_follows_changes_and_keeps_the_running_version_when_broken(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "district"
    shutil.copytree(sample_dir(), folder)
    live = LiveDistrict(folder)
    assert await live.reload_if_changed() is None  # nothing changed
    categories = folder / "categories.yaml"
    text = categories.read_text(encoding="utf-8")
    categories.write_text(text.replace("resolution_hours: 85", "resolution_hours: 90"), "utf-8")
    changed = await live.reload_if_changed()
    assert changed is not None and live.district is changed
    assert get_category("illegal-construction").resolution_hours == 90  # the live one

    (folder / "routes.yaml").write_text("routes:\n  - {category: x, community: y, unit: z}\n")
    with pytest.raises(DistrictError):
        await live.reload_if_changed()
    assert await live.reload_if_changed() is None  # the broken version is refused once
    assert live.district is changed and live.load_failures == 1
