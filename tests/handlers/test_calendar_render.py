"""The admins' holiday alert as the delivery worker renders it, in each language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.delivery.send import render_text
from services.delivery import OutgoingMessage
from services.workdays.alerts import MESSAGE_KEY


def alert(language: str, file: str = "") -> OutgoingMessage:
    params: dict[str, Any] = {"year": 2027, "start": "2027-01-01", "file": file}
    return OutgoingMessage(
        id=1,
        chat_id=4001,
        telegram_id=4001,
        language=language,
        message_key=MESSAGE_KEY,
        params=params,
        buttons=(),
        photos=(),
        thread_id=None,
        reply_to_message_id=None,
        priority=0,
        attempts=0,
        claimed_at=datetime(2026, 11, 16, tzinfo=UTC),
        created_at=datetime(2026, 11, 16, tzinfo=UTC),
    )


def test_the_alert_in_simplified_chinese() -> None:
    text = render_text(alert("zh-Hans"))
    assert "2027 年的节假日安排" in text
    assert "从 2027年1月1日 起" in text and "周一到周五" in text
    assert "国务院办公厅关于2027年部分节假日安排的通知" in text
    assert "LINLI_HOLIDAYS_FILE" in text and "holidays.example.yaml" in text
    assert "重启 linli" in text and "linli calendar check" in text
    assert "还没有设置 LINLI_HOLIDAYS_FILE" in text


def test_the_alert_in_english_names_the_file_in_use() -> None:
    text = render_text(alert("en", "/etc/linli/holidays.yaml"))
    assert "public holidays of 2027" in text
    assert "From 1 January 2027, ticket due times count Monday to Friday only" in text
    assert "国务院办公厅关于2027年部分节假日安排的通知" in text
    assert "restart linli" in text and "upgrade chinese-calendar" in text
    assert "The holiday file now is /etc/linli/holidays.yaml." in text


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant", "en"])
def test_the_alert_renders_without_raw_fields(language: str) -> None:
    text = render_text(alert(language))
    assert "{" not in text and "2027-01-01" not in text
    assert len(text) < 4096
