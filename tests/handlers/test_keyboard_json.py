"""Answers' keyboards go to Telegram as linli's own JSON: it must be what PTB would send."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LoginUrl

from handlers.replies import keyboard_json


def test_callback_buttons_are_sent_as_ptb_would_send_them() -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍 有帮助", callback_data="fb:12:1"),
                InlineKeyboardButton("👎 没帮助", callback_data="fb:12:0"),
            ],
            [InlineKeyboardButton("➡️ 低保申请", callback_data="ent:dibao")],
        ]
    )
    assert keyboard_json(keyboard) == keyboard.to_dict()


def test_other_buttons_are_left_to_ptb() -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("地图", url="https://example.org/map")],
            [InlineKeyboardButton("登录", login_url=LoginUrl("https://example.org/login"))],
            [InlineKeyboardButton("办理", callback_data="cp:new", style="primary")],
        ]
    )
    sent = keyboard_json(keyboard)
    assert sent == keyboard.to_dict()
    assert sent["inline_keyboard"][2][0]["style"] == "primary"  # type: ignore[index]
