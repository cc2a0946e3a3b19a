"""linli's settings: environment variables prefixed ``LINLI_`` plus an optional ``.env`` file."""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, FilePath, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Language = Literal["zh-Hans", "zh-Hant", "en"]
DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///var/linli.sqlite3"


class SettingsError(Exception):
    """Invalid settings, described in one line that names the variable."""


class Settings(BaseSettings):
    """Every setting an operator can change; see `.env.example` for the documented list."""

    model_config = SettingsConfigDict(
        env_prefix="LINLI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    bot_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_SQLITE_URL
    kb_dir: Path | None = None
    # Holidays and 调休 days for years chinese-calendar does not know yet (services.holidays).
    holidays_file: FilePath | None = None
    staff_chat_id: int | None = None
    timezone: str = "Asia/Shanghai"
    default_language: Language = "zh-Hans"
    admin_ids: Annotated[tuple[int, ...], NoDecode] = Field(default=())
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Messages per second for direct replies; Telegram allows about 30. 0 lifts the cap (for a
    # self-hosted Bot API server or benchmarks against the local one).
    reply_rate: float = Field(default=30, ge=0)
    # The outbox delivery worker (status messages, staff cards, broadcasts): Telegram's limits.
    send_rate: float = Field(default=30, gt=0)
    send_private_chat_rate: float = Field(default=1.0, gt=0)
    send_group_per_minute: int = Field(default=20, gt=0)
    paid_broadcast: bool = False
    paid_broadcast_rate: float = Field(default=1000, gt=0)
    send_max_attempts: int = Field(default=5, ge=1)
    send_claim_timeout_s: float = Field(default=120, gt=0)
    send_concurrency: int = Field(default=16, ge=1, le=256)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("kb_dir")
    @classmethod
    def _check_kb_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "LINLI_" + "_".join(str(p) for p in err["loc"][:1]).upper()
            lines.append(f"Invalid setting {name}: {err['msg']}")
        raise SettingsError("; ".join(lines)) from None
