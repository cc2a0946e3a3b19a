"""Log formats, and that neither a rejected token nor a crash prints a secret to stderr."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.logs import configure_logging
from services import log_context
from tests.fakes.bot_api import BotApiServer

TOKEN = "4242:Rejected-SECRET-token"
SECRET = "hook-Secret_123"


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def log_one(log_format: str, **fields: object) -> str:
    written = io.StringIO()
    handler = configure_logging("INFO", log_format, [TOKEN], written)  # type: ignore[arg-type]
    try:
        log_context.clear()
        log_context.bind(**fields)
        try:
            raise RuntimeError(f"calling https://api.telegram.org/bot{TOKEN}/getMe failed")
        except RuntimeError:
            logging.getLogger("linli.test").exception("it went wrong for %s", "张三")
    finally:
        logging.getLogger().removeHandler(handler)
        log_context.clear()
    return written.getvalue()


def test_json_is_one_object_per_line_with_context_and_a_masked_traceback(
    restore_root_logger: None,
) -> None:
    [line] = log_one("json", update_id=7, handler="questions.ask", ticket="2611-0042").splitlines()
    record = json.loads(line)
    assert record["level"] == "ERROR" and record["logger"] == "linli.test"
    assert record["message"] == "it went wrong for 张三"
    assert (record["update_id"], record["handler"], record["ticket"]) == (
        7,
        "questions.ask",
        "2611-0042",
    )
    assert "RuntimeError" in record["traceback"] and "bot***/getMe" in record["traceback"]
    assert TOKEN not in line and "timestamp" in record


def test_text_names_the_context_after_the_message(restore_root_logger: None) -> None:
    text = log_one("text", update_id=7, update_kind="message", ticket="2611-0042")
    first, *traceback = text.splitlines()
    assert first.endswith(
        "ERROR linli.test: it went wrong for 张三 [update id 7, update kind message, "
        "ticket 2611-0042]"
    )
    assert traceback[0] == "Traceback (most recent call last):"
    assert TOKEN not in text and "bot***/getMe" in text


def test_an_unknown_log_format_is_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_LOG_FORMAT", "xml")
    assert cli_main.main(["doctor"]) == 2
    assert "Invalid setting LINLI_LOG_FORMAT: Input should be 'text' or 'json'" in (
        capsys.readouterr().out
    )


def run_env(tmp_path: Path, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update(
        LINLI_BOT_TOKEN=TOKEN,
        LINLI_BOT_API_URL=api_url,
        LINLI_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3",
        LINLI_WEBHOOK_URL="http://127.0.0.1:9/linli/telegram",
        LINLI_WEBHOOK_SECRET=SECRET,
        LINLI_LOG_LEVEL="DEBUG",
    )
    return env


async def test_a_token_telegram_rejects_at_start_is_not_printed(tmp_path: Path) -> None:
    async with BotApiServer() as api:  # its token is another one: ours gets 401
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli.main",
            "run",
            env=run_env(tmp_path, api.url),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
    stderr = err.decode()
    assert process.returncode == 2, stderr
    assert "Telegram rejected LINLI_BOT_TOKEN (401 Unauthorized)" in stderr
    assert "Traceback" not in stderr
    for secret in (TOKEN, "Rejected-SECRET", SECRET):
        assert secret not in stderr + out.decode()


def test_an_unexpected_crash_is_written_through_the_masking_log(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    restore_root_logger: None,
) -> None:
    def crash(settings: object) -> int:
        raise RuntimeError(f"the Bot API at https://example.invalid/bot{TOKEN} said no")

    monkeypatch.chdir(tmp_path)
    for name, value in run_env(tmp_path, "http://127.0.0.1:9").items():
        if name.startswith("LINLI_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setattr("bot.runner.run_telegram", crash)
    assert cli_main.main(["run"]) == 1
    err = capsys.readouterr().err
    assert "linli stopped on an unexpected error" in err and "RuntimeError" in err
    assert TOKEN not in err and "Rejected-SECRET" not in err and "/bot***" in err
