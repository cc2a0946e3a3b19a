"""``linli doctor`` against the Bot API emulator, with faults injected."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import doctor
from bot.cli.main import main
from storage import Database
from storage.migrate import upgrade
from storage.repositories.outbox import add_message
from tests.fakes.bot_api import BotApiServer

STAFF_CHAT = -1005550001
HOOK = "https://bot.example.org/linli/telegram"
SECRET = "doctor-Secret_42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def api() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as server:
        server.group(STAFF_CHAT, "社区工作群", is_forum=True)
        yield server


@pytest.fixture
async def healthy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api: BotApiServer) -> Database:
    """Settings for a deployment with nothing wrong: migrated database, known years."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("LINLI_HOLIDAYS_FILE", "LINLI_KB_DIR", "LINLI_WEBHOOK_URL", "LINLI_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3"
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    monkeypatch.setenv("LINLI_BOT_TOKEN", api.token)
    monkeypatch.setenv("LINLI_BOT_API_URL", api.url)
    monkeypatch.setenv("LINLI_STAFF_CHAT_ID", str(STAFF_CHAT))
    monkeypatch.setattr(doctor, "this_year", lambda settings: 2025)  # chinese-calendar knows it
    district = tmp_path / "district"  # a district's own configuration, not the sample
    district.mkdir()
    (district / "d.yaml").write_text("communities:\n  - {id: east, name: 东园社区}\n", "utf-8")
    monkeypatch.setenv("LINLI_DISTRICT_DIR", str(district))
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    return db


async def run_doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """``linli doctor`` as a script runs it (its own event loop, in a thread here)."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["doctor"])
    return code, capsys.readouterr().out.splitlines()


def line_about(lines: list[str], topic: str) -> str:
    [found] = [line for line in lines if line.split(maxsplit=1)[1].startswith(topic + ":")]
    return found


async def test_a_healthy_deployment_is_all_ok_and_exits_0(
    healthy: Database, api: BotApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = await run_doctor(capsys)
    assert code == 0, lines
    assert all(line.startswith("ok ") for line in lines), lines
    topics = [line.split(maxsplit=1)[1].split(":")[0] for line in lines]
    assert topics == [
        "settings",
        "database",
        "outbox",
        "knowledge base",
        "district",
        "holidays",
        "holidays",
        "token",
        "webhook",
        f"staff chat {STAFF_CHAT}",
    ]
    assert "accepted: @linli_bot (id 1000000" in line_about(lines, "token")
    assert "forum: a topic per ticket" in line_about(lines, f"staff chat {STAFF_CHAT}")
    assert "none set (long polling); 0 update(s) pending" in line_about(lines, "webhook")
    # Only reading calls: the doctor changes nothing at Telegram.
    assert {c.method for c in api.call_history} == {
        "getMe",
        "getWebhookInfo",
        "getChat",
        "getChatMember",
    }


async def test_a_rejected_token_is_an_error_without_the_token(
    healthy: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINLI_BOT_TOKEN", "4242:revoked-SECRET-token")
    code, lines = await run_doctor(capsys)
    assert code == 2
    assert line_about(lines, "token").startswith(
        "error    token: Telegram rejects LINLI_BOT_TOKEN (401 Unauthorized) → copy the token"
    )
    assert "revoked-SECRET" not in "\n".join(lines)
    assert not any(line.split()[1] in ("webhook:", "staff") for line in lines)


async def test_an_unreachable_bot_api_is_an_error(
    healthy: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINLI_BOT_API_URL", f"http://127.0.0.1:{free_port()}")
    code, lines = await run_doctor(capsys)
    assert code == 2
    assert "did not answer: NetworkError" in line_about(lines, "token")
    assert "check the network, proxy and LINLI_BOT_API_URL" in line_about(lines, "token")


async def test_webhook_delivery_errors_are_shown_with_the_fix(
    healthy: Database,
    api: BotApiServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Telegram posts to a linli that does not answer (nothing listens on that port).
    dead_end = f"http://127.0.0.1:{free_port()}/linli/telegram"
    monkeypatch.setenv("LINLI_WEBHOOK_URL", dead_end)
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    api.world.webhook = {"url": dead_end, "secret_token": SECRET}
    api.user(5, "Resident")
    api.send_text(5, "你好")
    await api.wait_for(lambda: api.world.webhook_error)
    code, lines = await run_doctor(capsys)
    assert code == 2
    webhook = [line for line in lines if " webhook: " in line]
    assert webhook[0].startswith(f"ok       webhook: Telegram posts to {dead_end}; 1 update(s)")
    assert webhook[1].startswith("error    webhook: Telegram's last delivery failed at ")
    assert "Connection failed" in webhook[1] and "nginx forwards the webhook path" in webhook[1]
    assert SECRET not in "\n".join(lines)


async def test_a_webhook_other_than_the_setting_is_an_error(
    healthy: Database,
    api: BotApiServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", HOOK)
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    api.world.webhook = {"url": "https://old.example.org/hook"}
    code, lines = await run_doctor(capsys)
    assert code == 2
    assert f"posts to https://old.example.org/hook, not to LINLI_WEBHOOK_URL {HOOK}" in (
        line_about(lines, "webhook")
    )
    monkeypatch.delenv("LINLI_WEBHOOK_URL")
    code, lines = await run_doctor(capsys)
    assert code == 1
    assert line_about(lines, "webhook").startswith("warning  webhook: Telegram posts to https://")


@pytest.mark.parametrize(
    ("status", "rights", "forum", "code", "says"),
    [
        ("member", {}, True, 2, "the bot is not an admin, so it makes no topics"),
        ("member", {}, False, 1, "the bot is a member but not an admin"),
        ("administrator", {"can_manage_topics": False}, True, 2, "without the right to manage"),
        ("left", {}, False, 2, "the bot is not a member (left)"),
    ],
)
async def test_the_bot_must_be_a_member_and_admin_of_the_staff_chat(
    healthy: Database,
    api: BotApiServer,
    capsys: pytest.CaptureFixture[str],
    status: str,
    rights: dict[str, bool],
    forum: bool,
    code: int,
    says: str,
) -> None:
    api.group(STAFF_CHAT, "社区工作群", is_forum=forum)
    api.set_member(STAFF_CHAT, api.bot_user["id"], status, **rights)
    exit_code, lines = await run_doctor(capsys)
    assert exit_code == code
    assert says in line_about(lines, f"staff chat {STAFF_CHAT}")


async def test_an_unknown_staff_chat_and_a_missing_one(
    healthy: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINLI_STAFF_CHAT_ID", "-100777")
    code, lines = await run_doctor(capsys)
    assert code == 2
    assert "Telegram says: Chat not found → add the bot" in line_about(lines, "staff chat -100777")
    monkeypatch.delenv("LINLI_STAFF_CHAT_ID")
    code, lines = await run_doctor(capsys)
    assert code == 1
    assert "LINLI_STAFF_CHAT_ID is not set" in line_about(lines, "staff chat")


async def test_dead_letters_are_a_warning(
    healthy: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database(healthy.url)
    async with db.transaction() as session:
        await add_message(
            session,
            chat_id=5,
            telegram_id=5,
            language="zh-Hans",
            message_key="ticket.accepted",
            params={},
            idempotency_key="k1",
            now=datetime.now(UTC),
        )
        await session.execute(text("UPDATE outbox SET status = 'dead'"))
    await db.dispose()
    code, lines = await run_doctor(capsys)
    assert code == 1
    assert line_about(lines, "outbox") == (
        "warning  outbox: 1 dead letter(s) (messages given up on), 0 pending → "
        "`linli outbox dead` lists them with Telegram's reason"
    )


async def test_database_problems(
    healthy: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/none.sqlite3")
    code, lines = await run_doctor(capsys)
    assert code == 1
    assert "none.sqlite3 does not exist yet → `linli run` creates it" in line_about(
        lines, "database"
    )
    assert not (tmp_path / "none.sqlite3").exists()
    server = f"postgresql+asyncpg://linli:pw@127.0.0.1:{free_port()}/linli"
    monkeypatch.setenv("LINLI_DATABASE_URL", server)
    code, lines = await run_doctor(capsys)
    assert code == 2
    found = line_about(lines, "database")
    assert found.startswith("error    database: cannot reach postgresql+asyncpg://linli:***@")
    assert found.endswith("→ check LINLI_DATABASE_URL and that the server runs and lets linli in")


async def test_knowledge_base_and_holiday_problems(
    healthy: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "broken.yaml").write_text("entries: [\n", encoding="utf-8")
    monkeypatch.setenv("LINLI_KB_DIR", str(kb))
    monkeypatch.setattr(doctor, "this_year", lambda settings: 2099)
    code, lines = await run_doctor(capsys)
    assert code == 2
    assert line_about(lines, "knowledge base").startswith("error    knowledge base: ")
    assert "`linli kb check` lists them all" in line_about(lines, "knowledge base")
    holidays = [line for line in lines if " holidays: " in line]
    assert holidays[0].startswith("error    holidays: 2099 not covered")
    assert holidays[1].startswith("warning  holidays: 2100 not covered")
    assert "国务院办公厅关于2100年部分节假日安排的通知" in holidays[1]


def test_invalid_settings_stop_the_doctor_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_TIMEZONE", "Mars/Base")
    assert main(["doctor"]) == 2
    assert capsys.readouterr().out == (
        "error    settings: Invalid setting LINLI_TIMEZONE: Value error, unknown time zone "
        "'Mars/Base' → correct the variable named (see the README)\n"
    )


async def test_a_staff_group_that_moved_names_its_new_id(
    healthy: Database, api: BotApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    api.migrate_group(STAFF_CHAT, -1005550002)
    code, lines = await run_doctor(capsys)
    assert code == 2
    assert line_about(lines, f"staff chat {STAFF_CHAT}").endswith(
        "the group became a supergroup with a new id → set LINLI_STAFF_CHAT_ID=-1005550002"
    )


async def test_the_sample_district_is_a_warning_and_a_broken_one_an_error(
    healthy: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LINLI_DISTRICT_DIR")
    code, lines = await run_doctor(capsys)
    assert code == 1
    assert line_about(lines, "district").startswith("warning  district: sample data: 3 communities")
    broken = tmp_path / "broken-district"
    broken.mkdir()
    (broken / "d.yaml").write_text("routes:\n  - {category: noise, community: x, unit: y}\n")
    monkeypatch.setenv("LINLI_DISTRICT_DIR", str(broken))
    code, lines = await run_doctor(capsys)
    assert code == 2
    assert "unknown community 'x' in a route" in line_about(lines, "district")
