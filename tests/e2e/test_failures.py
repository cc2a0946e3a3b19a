"""When something breaks inside linli, the resident gets an apology and linli keeps running."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import RESIDENT_ID, Linli


async def test_an_error_gets_an_apology_is_logged_and_linli_keeps_running(
    linli: Linli, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the matcher fell over")

    monkeypatch.setattr(linli.services.enquiries, "ask", broken)
    with caplog.at_level(logging.ERROR, logger="linli.handlers"):
        [apology] = await linli.say(linli.resident, "低保怎么申请")
    assert apology["text"] == "抱歉，处理你的消息时出了点问题，已经记录下来了。请稍后再试一次。"
    [record] = [r for r in caplog.records if r.name == "linli.handlers"]
    update_id = linli.api.updates[-1]["update_id"]
    assert record.getMessage() == f"error while handling update {update_id}"
    assert "the matcher fell over" in str(record.exc_info[1])

    monkeypatch.undo()
    [answer] = await linli.say(linli.resident, "低保怎么申请")
    assert answer["text"].startswith("【最低生活保障")


async def test_a_long_answer_is_split_cleanly(
    linli: Linli, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = linli.services.knowledge.entry_view("subsistence-allowance")
    assert entry is not None
    long_entry = type(entry)(
        **{
            **{f: getattr(entry, f) for f in entry.__slots__},
            "answer": "\n\n".join(["• 这是一段很长的说明。" * 40] * 12),
        }
    )
    monkeypatch.setattr(linli.services.knowledge, "entry_view", lambda _id: long_entry)
    parts = await linli.say(linli.resident, "低保怎么申请", count=2)
    assert all(len(p["text"]) <= 4096 for p in parts)
    assert parts[0]["text"].startswith("【最低生活保障")
    assert "reply_markup" not in parts[0] or not parts[0]["reply_markup"]
    last = linli.api.sent_to(200001)[-1]
    assert last["reply_markup"]["inline_keyboard"][0][0]["text"] == "👍 有帮助"


async def test_an_answer_rides_out_three_429s(linli: Linli) -> None:
    # Telegram asks to wait three times in a row: the resident gets the answer, late.
    linli.api.fail_next("sendMessage", 429, retry_after=1, count=3, chat_id=RESIDENT_ID)
    [answer] = await linli.api.wait_for_message(
        linli.api.send_text(linli.resident, "低保怎么申请")["chat"]["id"], timeout=15
    )
    assert answer["text"].startswith("【最低生活保障")


async def test_one_resident_flooding_questions_is_asked_to_slow_down(linli: Linli) -> None:
    # Twenty questions a minute are answered; the next gets a friendly "wait", not silence.
    for n in range(20):
        [answer] = await linli.say(linli.resident, f"低保怎么申请{n}")
        assert "太快" not in answer["text"]
    [told] = await linli.say(linli.resident, "低保怎么申请")
    assert "你发得太快了" in told["text"] and "秒后再问" in told["text"]
    [other] = await linli.say(linli.admin, "低保怎么申请")  # the others are not held up
    assert other["text"].startswith("【最低生活保障")
