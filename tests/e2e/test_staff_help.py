"""/help and /start in the staff group explain the staff desk, not the resident's menu
(found in the console: both showed the resident greeting, /complain included)."""

from __future__ import annotations

from tests.e2e.staff_support import Desk, desk, text_of

__all__ = ["desk"]  # the fixture


async def test_help_in_the_staff_chat_lists_the_staff_commands(desk: Desk) -> None:
    for command in ("/help", "/start"):
        [answer] = await desk.say(command)
        text = text_of(answer)
        assert text.startswith("工作人员群里的命令"), command
        for shown in ("/queue", "/mine", "/accept", "/reply", "/note", "/resolve", "/reject"):
            assert shown in text
        assert "投诉或反映问题" not in text and not answer.get("reply_markup")


async def test_resident_commands_in_the_staff_chat_point_to_a_private_chat(desk: Desk) -> None:
    for command in ("/complain", "/mytickets", "/followup 2611-0001 你好"):
        [answer] = await desk.say(command)
        assert text_of(answer) == "这是居民用的命令，请私聊「邻里」使用。", command
