"""Settings: names operators rely on, defaults, and one clear line per bad variable."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.cli.main import _configure_logging
from bot.settings import SettingsError, load_settings
from bot.webhook import Webhook

SECRET = "Sup3r_secret-Token"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [
        "BOT_TOKEN",
        "BOT_API_URL",
        "DATABASE_URL",
        "KB_DIR",
        "STAFF_CHAT_ID",
        "TIMEZONE",
        "DEFAULT_LANGUAGE",
        "ADMIN_IDS",
        "LOG_LEVEL",
        "WEBHOOK_URL",
        "WEBHOOK_LISTEN",
        "WEBHOOK_SECRET",
    ]:
        monkeypatch.delenv(f"LINLI_{name}", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    s = load_settings()
    assert s.token() is None
    assert s.bot_api_url == "https://api.telegram.org"
    assert s.database_url == "sqlite+aiosqlite:///var/linli.sqlite3"
    assert (s.kb_dir, s.staff_chat_id, s.admin_ids) == (None, None, ())
    assert (s.timezone, s.default_language) == ("Asia/Shanghai", "zh-Hans")
    assert s.retention_days == 0  # keep


def test_retention_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_RETENTION_DAYS", "365")
    assert load_settings().retention_days == 365
    monkeypatch.setenv("LINLI_RETENTION_DAYS", "-1")
    with pytest.raises(SettingsError, match="LINLI_RETENTION_DAYS"):
        load_settings()


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LINLI_STAFF_CHAT_ID=-100123\nLINLI_DEFAULT_LANGUAGE=en\n")
    monkeypatch.setenv("LINLI_ADMIN_IDS", " 11, 22 ,33")
    monkeypatch.setenv("LINLI_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("LINLI_BOT_API_URL", "http://127.0.0.1:8081/")
    s = load_settings()
    assert s.admin_ids == (11, 22, 33)
    assert s.staff_chat_id == -100123 and s.default_language == "en"
    assert s.bot_api_url == "http://127.0.0.1:8081"
    assert "123:abc" not in repr(s)  # the token is a secret
    assert s.token() == "123:abc"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LINLI_ADMIN_IDS", "1,two"),
        ("LINLI_TIMEZONE", "Mars/Base"),
        ("LINLI_DEFAULT_LANGUAGE", "fr"),
        ("LINLI_STAFF_CHAT_ID", "the staff group"),
        ("LINLI_BOT_API_URL", "api.telegram.org"),
        ("LINLI_KB_DIR", "/no/such/folder"),
        ("LINLI_WEBHOOK_URL", "http://bot.example.org/tg"),  # plain http to a public host
        ("LINLI_WEBHOOK_URL", "ftp://bot.example.org/tg"),
        ("LINLI_WEBHOOK_URL", "bot.example.org/tg"),
        ("LINLI_WEBHOOK_URL", "https://bot.example.org/tg?key=1"),
        ("LINLI_WEBHOOK_URL", "https://bot.example.org/tg#part"),
        ("LINLI_WEBHOOK_URL", "https://bot.example.org:99999/tg"),
        ("LINLI_WEBHOOK_URL", "https://user:pw@bot.example.org/tg"),
        ("LINLI_WEBHOOK_LISTEN", "8443"),
        ("LINLI_WEBHOOK_LISTEN", "127.0.0.1"),
        ("LINLI_WEBHOOK_LISTEN", "127.0.0.1:http"),
        ("LINLI_WEBHOOK_LISTEN", "127.0.0.1:70000"),
        ("LINLI_WEBHOOK_LISTEN", "::1:8443"),
        ("LINLI_WEBHOOK_LISTEN", "bad_host!:8443"),
        ("LINLI_WEBHOOK_SECRET", "has space"),
        ("LINLI_WEBHOOK_SECRET", "密钥"),
        ("LINLI_WEBHOOK_SECRET", "a" * 257),
        ("LINLI_WEBHOOK_SECRET", "semi;colon"),
        ("LINLI_ORDER_GAP_S", "0"),
        ("LINLI_ORDER_GAP_S", "an hour"),
    ],
)
def test_invalid_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    # A valid webhook around each case, so that only the variable under test is wrong.
    monkeypatch.setenv("LINLI_WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert message.startswith(f"Invalid setting {name}:")
    assert "\n" not in message
    if name == "LINLI_WEBHOOK_SECRET":  # the rule, never the value
        assert value not in message and "A-Z, a-z, 0-9, _ and -" in message


def test_no_webhook_url_means_polling() -> None:
    s = load_settings()
    assert s.webhook() is None and s.webhook_listen == "127.0.0.1:8443"


def test_webhook_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", "https://bot.example.org/linli/tg")
    monkeypatch.setenv("LINLI_WEBHOOK_LISTEN", "0.0.0.0:9000")
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    webhook = load_settings().webhook()
    assert webhook == Webhook("https://bot.example.org/linli/tg", "0.0.0.0", 9000, SECRET)
    assert webhook.path == "/linli/tg"


@pytest.mark.parametrize(
    ("url", "listen", "path"),
    [
        ("http://127.0.0.1:8443/tg", "127.0.0.1:8443", "/tg"),  # tests, a local Bot API server
        ("http://localhost/", "localhost:8080", "/"),
        ("https://[2001:db8::1]:8443", "[::1]:8443", "/"),
        ("https://bot.example.org/a.b+c", "bot-host:8443", "/a.b+c"),
    ],
)
def test_webhook_urls_and_listen_addresses_accepted(
    monkeypatch: pytest.MonkeyPatch, url: str, listen: str, path: str
) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", url)
    monkeypatch.setenv("LINLI_WEBHOOK_LISTEN", listen)
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    webhook = load_settings().webhook()
    assert webhook is not None and webhook.path == path


def test_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", "https://bot.example.org/tg")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith("Invalid setting LINLI_WEBHOOK_SECRET: ")
    assert "required when LINLI_WEBHOOK_URL is set" in str(err.value)
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", "")  # an empty line in .env is no secret either
    with pytest.raises(SettingsError, match="LINLI_WEBHOOK_SECRET"):
        load_settings()


def test_blank_webhook_url_means_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", "")
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", "")
    assert load_settings().webhook() is None


def test_webhook_secret_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    s = load_settings()
    webhook = s.webhook()
    assert webhook is not None and webhook.secret == SECRET
    for shown in (repr(s), str(s), repr(webhook), str(webhook), str(s.model_dump())):
        assert SECRET not in shown


@contextmanager
def bare_root_logger() -> Iterator[logging.Logger]:
    """The root logger as `linli run` finds it: no handlers (pytest's are put back after)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield root
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)


def test_token_and_webhook_secret_never_reach_the_log(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINLI_BOT_TOKEN", "123456:TOKEN-abc")
    monkeypatch.setenv("LINLI_WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("LINLI_LOG_LEVEL", "DEBUG")
    log = logging.getLogger("telegram.Bot")
    with bare_root_logger():
        _configure_logging(load_settings())
        # What PTB writes at DEBUG, and an error whose traceback carries the secret.
        log.debug("Set Bot API URL: %s", "https://api.telegram.org/bot123456:TOKEN-abc")
        log.debug(
            "Calling Bot API endpoint `setWebhook` with parameters `%s`", {"secret_token": SECRET}
        )
        try:
            raise RuntimeError(f"failed with {SECRET}")
        except RuntimeError:
            log.exception("setWebhook failed")
    written = capsys.readouterr().err
    assert "Set Bot API URL: https://api.telegram.org/bot***" in written
    assert "{'secret_token': '***'}" in written and "failed with ***" in written
    assert SECRET not in written and "TOKEN-abc" not in written


def test_the_chat_order_gap_is_one_and_a_half_seconds_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().order_gap_s == 1.5
    monkeypatch.setenv("LINLI_ORDER_GAP_S", "3")
    assert load_settings().order_gap_s == 3.0
