"""The public summary staff write for the 居务公开 disclosure and exports without personal data."""

from __future__ import annotations

import pytest

from services.access import Actor, WrongPlace
from services.errors import NotFound, PermissionDenied
from services.tickets import InvalidTransition
from services.tickets.places import building_level
from services.tickets.summaries import (
    MAX_SUMMARY,
    EmptySummary,
    SummaryTooLong,
    default_summary,
    published_summary,
)
from storage.models import Ticket
from storage.repositories import tickets as repo
from tests.services.conftest import (
    ADMIN,
    OFFICIAL,
    RESIDENT,
    STAFF,
    STAFF_2,
    STAFF_CHAT,
    Desk,
    file_noise,
)

IN_STAFF_CHAT = Actor(STAFF, STAFF_CHAT)
SUMMARY = "夜间装修噪音，已约谈施工方，装修改在白天进行"


async def _resolved(desk: Desk) -> str:
    number = await file_noise(desk)
    await desk.tickets.staff.accept(Actor(STAFF, STAFF_CHAT), number)
    await desk.tickets.staff.resolve(Actor(STAFF, STAFF_CHAT), number, "已处理")
    return number


async def _stored(desk: Desk, number: str) -> Ticket:
    async with desk.db.transaction() as session:
        ticket = await repo.get_ticket_by_number(session, number)
        assert ticket is not None
        return ticket


async def test_staff_set_the_summary_and_the_trail_records_it(desk: Desk) -> None:
    number = await _resolved(desk)
    view = await desk.tickets.summaries.set_summary(IN_STAFF_CHAT, number, f"  {SUMMARY}\n")
    assert view.written == SUMMARY
    assert view.published == f"噪音扰民 · {SUMMARY}"
    assert view.default == "噪音扰民 · 幸福小区3号楼 · 已解决"
    assert (await _stored(desk, number)).public_summary == SUMMARY

    better = "夜间装修噪音，已协调改在白天施工"
    await desk.tickets.summaries.set_summary(Actor(OFFICIAL, STAFF_CHAT), number, better)
    trail = (await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)).events
    written = [e for e in trail if e.kind == "summary"]
    assert [(e.actor_telegram_id, e.internal_note, e.details) for e in written] == [
        (STAFF, SUMMARY, {"previous": None}),
        (OFFICIAL, better, {"previous": SUMMARY}),
    ]
    assert all(e.public_message is None for e in written)  # never sent to the resident
    assert (await _stored(desk, number)).public_summary == better


async def test_the_default_when_staff_wrote_none(desk: Desk) -> None:
    number = await _resolved(desk)
    view = await desk.tickets.summaries.show(IN_STAFF_CHAT, number)
    # Category · the place cut to its building (幸福小区3号楼2单元 → 幸福小区3号楼) · outcome.
    assert (view.written, view.published) == (None, "噪音扰民 · 幸福小区3号楼 · 已解决")
    assert view.default == view.published
    assert "装修" not in view.published  # never the resident's description
    await desk.tickets.staff.close(Actor(STAFF, STAFF_CHAT), number)
    assert (await desk.tickets.summaries.show(IN_STAFF_CHAT, number)).published.endswith("已办结")


async def test_a_resident_may_not_write_it(desk: Desk) -> None:
    number = await _resolved(desk)
    with pytest.raises(PermissionDenied):
        await desk.tickets.summaries.set_summary(Actor.in_private(RESIDENT), number, SUMMARY)
    with pytest.raises(PermissionDenied):
        await desk.tickets.summaries.set_summary(Actor(RESIDENT, STAFF_CHAT), number, SUMMARY)
    with pytest.raises(PermissionDenied):
        await desk.tickets.summaries.show(Actor.in_private(RESIDENT), number)
    ticket = await _stored(desk, number)
    assert ticket.public_summary is None
    trail = (await desk.tickets.staff.get_ticket_for_staff(Actor(STAFF, STAFF_CHAT), number)).events
    assert not [e for e in trail if e.kind == "summary"]


async def test_staff_write_it_in_the_staff_chat_only(desk: Desk) -> None:
    # The one rule of every staff action (TicketTrail.staff): role and the staff chat.
    number = await _resolved(desk)
    for elsewhere in (Actor(STAFF_2, -100999), Actor.in_private(ADMIN)):
        with pytest.raises(WrongPlace):
            await desk.tickets.summaries.set_summary(elsewhere, number, SUMMARY)
    assert (await _stored(desk, number)).public_summary is None
    view = await desk.tickets.summaries.set_summary(Actor(ADMIN, STAFF_CHAT), number, SUMMARY)
    assert view.written == SUMMARY


async def test_too_long_is_refused_and_changes_nothing(desk: Desk) -> None:
    number = await _resolved(desk)
    fits = "楼" * MAX_SUMMARY
    assert (await desk.tickets.summaries.set_summary(IN_STAFF_CHAT, number, fits)).written == fits
    # Counted as Telegram counts: an emoji is one character but two UTF-16 units.
    for text in ("楼" * (MAX_SUMMARY + 1), "已修好" + "🏠" * 49):
        with pytest.raises(SummaryTooLong) as refused:
            await desk.tickets.summaries.set_summary(IN_STAFF_CHAT, number, text)
        assert refused.value.limit == MAX_SUMMARY and refused.value.units > MAX_SUMMARY
        assert f"at most {MAX_SUMMARY} characters" in str(refused.value)
    with pytest.raises(EmptySummary):
        await desk.tickets.summaries.set_summary(IN_STAFF_CHAT, number, " 。！ ")
    assert (await _stored(desk, number)).public_summary == fits


async def test_only_once_there_is_an_outcome(desk: Desk) -> None:
    number = await file_noise(desk)
    with pytest.raises(InvalidTransition):
        await desk.tickets.summaries.set_summary(IN_STAFF_CHAT, number, SUMMARY)
    await desk.tickets.staff.reject(Actor(STAFF, STAFF_CHAT), number, "不属于社区管辖")
    view = await desk.tickets.summaries.set_summary(
        IN_STAFF_CHAT, number, "非社区管辖，已告知办理渠道"
    )
    assert view.default == "噪音扰民 · 幸福小区3号楼 · 不予受理"
    with pytest.raises(NotFound):
        await desk.tickets.summaries.set_summary(IN_STAFF_CHAT, "2611-9999", SUMMARY)


def test_the_scrubber_still_runs_over_what_staff_wrote() -> None:
    written = "王阿姨反映的501室漏水已修好，有事打13812345678"
    out = published_summary(written, "facilities", None, None, "resolved", ["王阿姨"])
    for secret in ("王阿姨", "501", "13812345678"):
        assert secret not in out
    assert out.startswith("设施报修 · ") and "漏水已修好" in out
    # Nothing left after scrubbing (only a phone number): the default instead.
    assert published_summary("13812345678", "noise", "阳光花园", None, "closed") == (
        "噪音扰民 · 阳光花园 · 已办结"
    )


def test_the_default_place_is_at_building_level_without_names() -> None:
    assert default_summary("sanitation", "幸福里社区", "幸福里小区3号楼2单元501室", "resolved") == (
        "环境卫生 · 幸福里小区3号楼 · 已解决"
    )
    assert (
        default_summary("noise", None, "王阿姨家楼下", "resolved")
        == "噪音扰民 · 某人家楼下 · 已解决"
    )
    assert default_summary("noise", None, "张建国家门口", "resolved", ["张建国"]) == (
        "噪音扰民 · 某人家门口 · 已解决"
    )
    # No building in the typed place: whose home it is still goes (untitled full names).
    assert default_summary("noise", None, "幸福小区，张伟家", "resolved") == (
        "噪音扰民 · 幸福小区，某人家 · 已解决"
    )
    assert default_summary("noise", None, "阳光家园3号楼5单元", "resolved") == (
        "噪音扰民 · 阳光家园3号楼 · 已解决"
    )
    assert default_summary("retired-category", None, None, "rejected") == (
        "retired-category · 不予受理"
    )


def test_the_place_is_cut_after_its_building() -> None:
    """What follows the building is the resident's own words (whose home, their contacts):
    cut, as the unit and the room are; a titled name before it is masked."""
    assert building_level("幸福小区3号楼 张伟家楼上 微信zw1234") == "幸福小区3号楼"
    assert building_level("幸福路12号院3号楼东门，我叫张伟") == "幸福路12号院3号楼"
    assert building_level("幸福小区3号楼b座1202") == "幸福小区3号楼b座"
    assert building_level("阳光花园5栋 李建国家") == "阳光花园5栋"
    assert building_level("王阿姨家楼下") == "某人家楼下"  # no building: people masked
    assert building_level("小区东门垃圾站旁边") == "小区东门垃圾站旁边"
