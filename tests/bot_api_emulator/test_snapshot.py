"""The emulator's copies of messages: what a reply or the call log holds stays as it was."""

from __future__ import annotations

from bot_api_emulator.world import snapshot


def test_a_snapshot_keeps_what_the_message_was_when_the_message_changes() -> None:
    message = {
        "message_id": 7,
        "text": "低保怎么申请",
        "reply_markup": {"inline_keyboard": [[{"text": "有用", "callback_data": "f:1"}]]},
    }
    kept = snapshot(message)
    assert kept == message
    message["text"] = "edited"
    message["reply_markup"]["inline_keyboard"][0].append({"text": "没用"})
    message["reply_markup"]["inline_keyboard"][0][0]["text"] = "changed"
    assert kept == {
        "message_id": 7,
        "text": "低保怎么申请",
        "reply_markup": {"inline_keyboard": [[{"text": "有用", "callback_data": "f:1"}]]},
    }
