"""Audiences by place: officials' names become configured communities and buildings."""

from __future__ import annotations

import pytest

from services.notices.audience_places import (
    UnknownPlace,
    building_audience,
    community_audience,
    place_name,
)
from services.notices.bulletin_args import BulletinArgsError, parse_bulletin
from services.notices.views import Audience


def test_community_by_name_id_or_a_part_only_it_has() -> None:
    for text in ("示例社区A", "sample-a", "社区a", " 示例社区 A "):
        assert community_audience(text) == Audience.community("sample-a"), text
    with pytest.raises(UnknownPlace) as refused:
        community_audience("示例")  # all three match
    assert refused.value.choices == ("示例社区A", "示例社区B", "示例社区C")
    with pytest.raises(UnknownPlace):
        community_audience("幸福社区")


def test_building_with_its_community_or_alone_when_unambiguous() -> None:
    for text in ("示例社区A 3号楼", "示例社区A3号楼", "sample-a/3号楼", "示例社区A/3号楼"):
        assert building_audience(text) == Audience.building("sample-a/3号楼"), text
    assert building_audience("6号楼") == Audience.building("sample-a/6号楼")  # only A has it
    assert building_audience("第二网格") == Audience.building("sample-c/第二网格")
    for text in ("3号楼", "示例社区A 99号楼", "幸福小区3号楼"):
        with pytest.raises(UnknownPlace):
            building_audience(text)


def test_names_for_people() -> None:
    assert place_name(Audience.community("sample-b")) == "示例社区B"
    assert place_name(Audience.building("sample-b/7号楼")) == "示例社区B 7号楼"
    assert place_name(Audience.building("3号楼")) == "3号楼"  # a tag from before 0010


def test_bulletin_arguments_name_places() -> None:
    spec = parse_bulletin("every=daily at=08:00 building=示例社区A/3号楼 今日提示")
    assert spec.audience == Audience.building("sample-a/3号楼")
    spec = parse_bulletin("every=daily at=08:00 community=示例社区C 今日提示")
    assert spec.audience == Audience.community("sample-c")
    with pytest.raises(BulletinArgsError) as refused:
        parse_bulletin("every=daily at=08:00 community=幸福社区 今日提示")
    assert (refused.value.code, refused.value.value) == ("unknown_community", "幸福社区")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("every=monthly day=15 community=示例社区A 月报 {disclosure}", "need_at"),
        ("every=hourly 测试", "bad_every"),
        ("at=09:00 每日提示", "need_every"),
        ("每日提示", "usage"),
        ("every=daily at=09:00", "usage"),
    ],
)
def test_a_bulletin_written_in_part_names_what_is_missing(typed: str, code: str) -> None:
    """An exploratory run got the whole usage again for a missing at=."""
    with pytest.raises(BulletinArgsError) as refused:
        parse_bulletin(typed)
    assert refused.value.code == code
