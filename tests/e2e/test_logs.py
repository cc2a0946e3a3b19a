"""LINLI_LOG_FORMAT=json on a real flow: every line one JSON object naming the update, the
handler and the ticket; no token, webhook secret, phone number or description in any line,
even at DEBUG (where PTB logs every Bot API call's parameters)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logs import configure_logging
from tests.e2e.conftest import STAFF_CHAT_ID, STAFF_ID, WEBHOOK_SECRET, Linli
from tests.e2e.test_filing import press, say
from tests.fakes.bot_api import button_labels

DESCRIPTION = "幸福小区东门垃圾桶三天没人清运，气味很大，苍蝇很多"
WHERE = "幸福小区东门旁边的垃圾站"
PHONE_TYPED = "139 8765 4321"
PHONE = "13987654321"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The log as `linli run` writes it with LINLI_LOG_FORMAT=json at DEBUG; requested
    before ``linli`` so that start-up (setWebhook with its secret) is in it."""
    written = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", "json", ["1000000:TEST-TOKEN", WEBHOOK_SECRET], written)
    try:
        yield written
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def file_a_complaint(linli: Linli) -> str:
    question = await say(linli, "/complain")
    question = await press(linli, question, "环境卫生")
    question = await say(linli, DESCRIPTION)
    question = await say(linli, WHERE)
    question = await press(linli, question, "没有照片，继续 »")
    question = await say(linli, PHONE_TYPED)
    summary = await press(linli, question, "🙋 不匿名，可以显示名字")
    assert PHONE in summary["text"] and DESCRIPTION in summary["text"]
    filed = await press(linli, summary, "✅ 提交")
    found = re.search(r"\d{4}-\d{4}", filed["text"])
    assert found is not None
    return found.group()


async def handled_lines(log: io.StringIO, number: str, count: int) -> None:
    """Wait until ``count`` updates about ticket ``number`` were logged as handled (the line
    is written once the handler returns, which may be after its last message was sent)."""
    for _ in range(100):
        lines = [json.loads(line) for line in log.getvalue().splitlines()]
        handled = [r for r in lines if r["message"] == "update handled"]
        if sum(r.get("ticket") == number for r in handled) >= count:
            return
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("linli", ["webhook"], indirect=True)
async def test_a_filing_leaves_json_lines_with_context_and_nothing_personal(
    json_log: io.StringIO, linli: Linli
) -> None:
    number = await file_a_complaint(linli)
    api = linli.api
    [card] = await api.wait_for(
        lambda: [m for m in api.sent_to(STAFF_CHAT_ID) if number in m.get("text", "")]
    )
    # The staff member accepts: linli sends them the full phone number in private.
    api.press_button(linli.staff, card, label=button_labels(card)[0])
    await api.wait_for(lambda: any(PHONE in m.get("text", "") for m in api.sent_to(STAFF_ID)))
    await handled_lines(json_log, number, 2)

    text = json_log.getvalue()
    records: list[dict[str, Any]] = [json.loads(line) for line in text.splitlines()]
    assert any("setWebhook" in r["message"] for r in records)  # start-up is in the log
    assert all({"timestamp", "level", "logger", "message"} <= r.keys() for r in records)

    handled = [r for r in records if r["message"] == "update handled"]
    assert handled and all(
        isinstance(r["update_id"], int) and r["duration_ms"] >= 0 and r["update_kind"]
        for r in handled
    )
    assert {r["update_kind"] for r in handled} == {"message", "callback_query"}
    by_ticket = [r for r in handled if r.get("ticket") == number]
    handlers = {r["handler"] for r in by_ticket}
    assert len(by_ticket) >= 2  # the filing's last press and the staff's accept
    assert all(h.startswith(("filing.", "staff.", "tickets.")) for h in handlers), handlers
    # Lines logged inside an update carry its id too, not only the closing line.
    ids = {r["update_id"] for r in handled}
    assert any(r.get("update_id") in ids for r in records if r["message"] != "update handled")

    for secret in ("1000000:TEST-TOKEN", "TEST-TOKEN", WEBHOOK_SECRET):
        assert secret not in text
    for personal in (PHONE, PHONE_TYPED, DESCRIPTION, WHERE, "小王", "李社工"):
        assert personal not in text, personal
    assert "\\u" not in text  # Chinese is written as it is (readable, and greppable)
