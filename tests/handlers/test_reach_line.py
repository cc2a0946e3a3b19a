"""The line on how to reach a person, under an "I don't know", a ban and an emergency."""

from __future__ import annotations

from handlers.render import reach_line
from services.views import ContactView

SAMPLE = ContactView(
    office="社区服务中心",
    address="",
    phone="0000-0000000（示例）",
    hours="工作日 9:00–17:30",
    sample=True,
    office_en="Community service centre",
    phone_en="0000-0000000 (sample)",
    hours_en="Working days 9:00–17:30",
)


def test_the_english_line_is_english_and_calls_sample_data_a_sample() -> None:
    line = reach_line("en", SAMPLE)
    assert line.startswith("To reach a person: Community service centre, 0000-0000000 (sample)")
    assert "Sample contact details" in line and "示例" not in line


def test_an_operators_own_contact_is_not_called_a_sample() -> None:
    # The note was part of the catalog's text, so it followed real contacts too.
    real = ContactView("社区服务中心", "", "010-12345678", "工作日 9:00–17:30", sample=False)
    line = reach_line("zh-hans", real)
    assert line == "需要找人的话，可以联系：社区服务中心，010-12345678，工作日 9:00–17:30。"
    assert reach_line("zh-hans", SAMPLE).endswith("（以上联系方式为示例，请以社区公布的为准）")


def test_without_a_contact_the_line_names_the_service_centre() -> None:
    assert "社区服务中心" in reach_line("zh-hans", None)
