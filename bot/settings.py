"""linli's settings: environment variables prefixed ``LINLI_`` plus an optional ``.env`` file."""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, FilePath, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.transport import Transport, check_proxy_url
from bot.webhook import SECRET_RULE, Webhook, check_secret, check_webhook_url, split_listen_address

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
    # The district's own configuration (services/district): communities, units, categories,
    # routes. None: the bundled sample with linli's default categories.
    district_dir: Path | None = None
    # Holidays and 调休 days for years chinese-calendar does not know yet (services.holidays).
    holidays_file: FilePath | None = None
    staff_chat_id: int | None = None
    timezone: str = "Asia/Shanghai"
    default_language: Language = "zh-Hans"
    # Days after which question texts and closed tickets' personal fields are emptied
    # (services.privacy); 0 keeps them. The README's "Your data" says what this covers.
    retention_days: int = Field(default=0, ge=0)
    admin_ids: Annotated[tuple[int, ...], NoDecode] = Field(default=())
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # text for people, json (one object per line) for log collectors: bot/logs.py.
    log_format: Literal["text", "json"] = "text"
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
    # One resident's share (services/residents/limits.py): 0 lifts a limit.
    questions_per_minute: int = Field(default=20, ge=0)
    filings_per_hour: int = Field(default=5, ge=0)
    # Several processes on PostgreSQL (services/chat_order.py): how long a missing lower
    # update_id is waited for before the updates behind it go ahead.
    order_gap_s: float = Field(default=1.5, gt=0, le=60)
    send_claim_timeout_s: float = Field(default=120, gt=0)
    send_concurrency: int = Field(default=16, ge=1, le=256)
    # Webhook mode (bot/webhook.py): set the URL and linli receives updates there, not by
    # polling. The secret is declared after the URL so that its check can see the URL.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8443"
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # Operations (bot/transport.py, bot/ops/): the Bot API's HTTP client and a proxy for it
    # (declared after the transport, whose choice decides which proxies work), and the
    # listener for /metrics, /healthz and /readyz (off unless set).
    transport: Transport = "aiohttp"
    proxy_url: str | None = None
    metrics_listen: str | None = None

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

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        return None if value is None else check_webhook_url(value)

    @field_validator("webhook_listen")
    @classmethod
    def _check_webhook_listen(cls, value: str) -> str:
        split_listen_address(value)
        return value.strip()

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            check_secret(value.get_secret_value())
            return value
        if info.data.get("webhook_url"):
            raise ValueError(f"required when LINLI_WEBHOOK_URL is set ({SECRET_RULE})")
        return None

    @field_validator("proxy_url", "metrics_listen", mode="before")
    @classmethod
    def _blank_ops_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("proxy_url")
    @classmethod
    def _check_proxy_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return check_proxy_url(value.strip(), info.data.get("transport", "aiohttp"))

    @field_validator("metrics_listen")
    @classmethod
    def _check_metrics_listen(cls, value: str | None) -> str | None:
        if value is None:
            return None
        split_listen_address(value)
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("kb_dir", "district_dir")
    @classmethod
    def _check_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None

    def webhook(self) -> Webhook | None:
        """How to receive updates by webhook, or None to poll."""
        if self.webhook_url is None or self.webhook_secret is None:
            return None
        host, port = split_listen_address(self.webhook_listen)
        return Webhook(self.webhook_url, host, port, self.webhook_secret.get_secret_value())

    def metrics_address(self) -> tuple[str, int] | None:
        """Where to serve /metrics, /healthz and /readyz, or None (off)."""
        if self.metrics_listen is None:
            return None
        return split_listen_address(self.metrics_listen)

    def secrets(self) -> tuple[str, ...]:
        """The values that must never reach a log."""
        found = (self.bot_token, self.webhook_secret)
        return tuple(s.get_secret_value() for s in found if s and s.get_secret_value())


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
