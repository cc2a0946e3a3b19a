"""Teaching the knowledge base in Telegram, and /disclosure, as admins and residents see it.

linli runs here on a temporary copy of the knowledge base, because attaching writes
_learned.yaml next to the knowledge-base files.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge import default_data_dir
from services.knowledge.live import LiveKnowledge
from tests.e2e.conftest import ADMIN_ID, RESIDENT_ID, Linli, start_linli
from tests.fakes.bot_api import BotApiServer

QUESTION = "怎么办理老年卡"


@pytest.fixture
async def linli_kb(tmp_path: Path) -> AsyncIterator[tuple[Linli, Path]]:
    kb_dir = tmp_path / "kb"
    shutil.copytree(default_data_dir(), kb_dir)
    knowledge = LiveKnowledge(kb_dir)
    async with start_linli(
        tmp_path,
        knowledge,
        kb_dir=kb_dir,
        admin_ids=(ADMIN_ID,),
    ) as (api, services):
        resident = api.user(RESIDENT_ID, "小王", language_code="zh-hans")
        admin = api.user(ADMIN_ID, "管理员", language_code="zh-hans")
        yield Linli(api, services, resident, admin, {}, {}), kb_dir


def labels(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


def with_choices(api: BotApiServer, digest: dict[str, Any]) -> dict[str, Any] | None:
    """The digest message once its buttons are the entry choices."""
    same = [m for m in api.sent_to(ADMIN_ID) if m["message_id"] == digest["message_id"]]
    return same[0] if same and "其他条目…" in labels(same[0]) else None


async def test_an_admin_teaches_linli_from_the_weekly_digest(
    linli_kb: tuple[Linli, Path],
) -> None:
    linli, kb_dir = linli_kb
    api, admin, resident = linli.api, linli.admin, linli.resident
    [first] = await linli.say(resident, QUESTION)
    if "都不是" in labels(first):  # a "did you mean" list: the resident says none of these
        await linli.press(resident, first, "都不是")
    else:
        assert "养老" not in first["text"]  # linli did not know
    await linli.say(admin, "/start")  # the admin has a chat with linli

    learning = linli.services.kb_learning
    assert await learning.send_weekly_digest() == 1
    digest = await api.wait_for(
        lambda: next((m for m in api.sent_to(ADMIN_ID) if QUESTION in m["text"]), None)
    )
    assert labels(digest) == ["挂到条目…", "不在服务范围"]

    # a resident's press (say, on a forwarded message) is refused to them alone
    query = api.press_button(resident, digest, label="不在服务范围")
    answer = await api.wait_for(lambda: api.callback_answer(query))
    assert answer["text"] == "只有管理员可以处理这些问题。" and answer.get("show_alert")
    assert not (kb_dir / "_learned.yaml").exists()

    await linli.press(admin, digest, "挂到条目…")
    chosen = await api.wait_for(lambda: with_choices(api, digest))
    title = linli.services.knowledge.titles("elderly-care")
    assert title is not None and title[1] in labels(chosen)
    await linli.press(admin, chosen, title[1])
    done = await api.wait_for(
        lambda: next(
            (m for m in api.sent_to(ADMIN_ID) if "已生效" in m["text"] and QUESTION in m["text"]),
            None,
        )
    )
    assert f"已挂到「{title[1]}」" in done["text"] and labels(done) == []

    [again] = await linli.say(resident, QUESTION)
    assert title[1] in again["text"]  # answered with that entry, without a restart
    learned = yaml.safe_load((kb_dir / "_learned.yaml").read_text("utf-8"))
    assert learned["alternates"] == {"elderly-care": [QUESTION]}


async def test_disclosure_is_for_officials_and_admins(linli_kb: tuple[Linli, Path]) -> None:
    linli, _ = linli_kb
    [shown] = await linli.say(linli.admin, "/disclosure")
    assert "【居务公开】" in shown["text"] and "响应率" in shown["text"]
    [november] = await linli.say(linli.admin, "/disclosure 2026-11")
    assert "【居务公开】2026年11月" in november["text"]
    [bad] = await linli.say(linli.admin, "/disclosure 十一月吧")
    assert "十一月吧" in bad["text"] and "【居务公开】" not in bad["text"]
    [refused] = await linli.say(linli.resident, "/disclosure")
    assert "【居务公开】" not in refused["text"]


async def other(linli: Linli, message: dict[str, Any], prompts: int) -> None:
    """Press "other…" and wait for the ``prompts``-th request to type an entry id."""
    await linli.press(linli.admin, message, "其他条目…")
    await linli.api.wait_for(
        lambda: sum("请输入要挂到" in m["text"] for m in linli.api.sent_to(ADMIN_ID)) >= prompts
    )


async def test_other_entry_by_typed_id(linli_kb: tuple[Linli, Path]) -> None:
    linli, kb_dir = linli_kb
    api, admin = linli.api, linli.admin
    await linli.say(linli.resident, "附近哪里有好吃的餐馆")
    await linli.say(admin, "/start")
    learning = linli.services.kb_learning
    await learning.send_weekly_digest()
    digest = await api.wait_for(
        lambda: next((m for m in api.sent_to(ADMIN_ID) if "好吃的餐馆" in m["text"]), None)
    )
    await linli.press(admin, digest, "挂到条目…")
    chosen = await api.wait_for(lambda: with_choices(api, digest))
    await other(linli, chosen, 1)
    [unknown] = await linli.say(admin, "no-such-entry")
    assert "no-such-entry" in unknown["text"] and "其他条目…" in unknown["text"]
    await other(linli, chosen, 2)
    [done] = await linli.say(admin, "convenience-services")
    assert "已挂到" in done["text"] and "convenience-services" in done["text"]
    assert "好吃的餐馆" in (kb_dir / "_learned.yaml").read_text("utf-8")
