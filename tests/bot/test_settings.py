"""Settings: names operators rely on, defaults, and one clear line per bad variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


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
    ],
)
def test_invalid_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert message.startswith(f"Invalid setting {name}:")
    assert "\n" not in message
