"""Splitting replies as Telegram counts length: UTF-16 units, a character never cut."""

from __future__ import annotations

from handlers.text import split_message
from services.lengths import text_units


def test_emoji_are_counted_twice_and_never_cut_in_half() -> None:
    parts = split_message("👍" * 2500)
    assert [text_units(p) for p in parts] == [4096, 904]
    assert "".join(parts) == "👍" * 2500


def test_a_short_text_is_one_part_and_cuts_prefer_paragraphs() -> None:
    assert split_message("低保怎么申请") == ["低保怎么申请"]
    text = "第一段。" * 700 + "\n\n" + "第二段。" * 700
    first, second = split_message(text)
    assert first.endswith("第一段。") and second.startswith("第二段。")
