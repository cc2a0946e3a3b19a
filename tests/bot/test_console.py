"""linli console: a scripted session through the real Application and the in-process server."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console import run_console
from bot.settings import load_settings


async def run(tmp_path: Path, lines: list[str], role: str = "resident") -> str:
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/console.sqlite3")
    script = iter([*lines, ""])
    out = io.StringIO()
    code = await run_console(
        settings, role=role, stdin=io.StringIO(), out=out, read_line=lambda: next(script)
    )
    assert code == 0
    return out.getvalue()


async def test_a_question_is_answered_and_buttons_are_numbered(tmp_path: Path) -> None:
    out = await run(tmp_path, ["低保怎么申请", "1", "/menu", "99", "!quit"])
    assert "linli → 控制台居民> 【最低生活保障（低保）】" in out
    assert "[1] 👍 有帮助" in out
    assert "谢谢你的反馈！" in out
    assert "[1] 困难帮扶" in out
    assert "(no button 99 here: sent as text)" in out


async def test_console_as_admin_can_reload(tmp_path: Path) -> None:
    out = await run(tmp_path, ["/reload"], role="admin")
    assert "知识库已重新加载，现在共有 41 条。" in out


async def test_switching_to_staff_types_in_the_staff_group(tmp_path: Path) -> None:
    out = await run(tmp_path, ["!as nobody", "!as staff", "!reply", "!as resident", "1"])
    assert "(who? choose one of: resident, staff, official, admin)" in out
    assert "(you are now 控制台工作人员, staff)" in out
    assert "(nothing to reply to yet in this chat)" in out
    assert "(no button 1 here: sent as text)" in out


async def test_a_long_number_is_typed_text_not_a_button(tmp_path: Path) -> None:
    lines = ["/complain", "2", "楼上每天晚上十一点以后还在装修，电钻声音很大", "幸福小区3号楼", "1"]
    out = await run(tmp_path, [*lines, "13812345678"])
    assert "(no button 13812345678 here: sent as text)" in out
    assert "要匿名吗？" in out.split("sent as text")[-1]  # the phone was taken: next step
