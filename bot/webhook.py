"""Webhook mode: where Telegram posts updates, where linli listens, and the shared secret.

The checks here back the ``LINLI_WEBHOOK_*`` settings (bot/settings.py); `Webhook` is what
``running()`` needs to start the webhook server (bot/receiver.py) instead of long polling.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Telegram's rule for setWebhook's secret_token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
SECRET_RULE = "1–256 characters of A-Z, a-z, 0-9, _ and -"
_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]+(\.(?!-)[A-Za-z0-9-]+)*")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(value: str) -> str:
    """The public URL Telegram posts to: https (http only to a loopback host, for tests and a
    local Bot API server), with a host, and without credentials, query or fragment."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an https:// URL with a host, such as https://bot.example.org/tg")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("must use https:// (http:// only for a loopback host such as 127.0.0.1)")
    if "?" in value or "#" in value:
        raise ValueError("must not carry a query (?…) or a fragment (#…)")
    if "@" in parts.netloc:
        raise ValueError("must not carry a user name or password")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ValueError("has an invalid port") from None
    return value


def split_listen_address(value: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8443`` for IPv6) → (host, port); ValueError when malformed."""
    host, sep, port_text = value.strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        valid_host = ":" in host and _is_ip(host)
    else:
        # An IPv6 address needs its brackets, or its colons are taken for the port's.
        valid_host = ":" not in host and (_is_ip(host) or bool(_HOSTNAME.fullmatch(host)))
    if not sep or not valid_host or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(
            f"{value!r} is not address:port, such as 127.0.0.1:8443, 0.0.0.0:8443 or [::1]:8443"
        )
    return host, int(port_text)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_secret(value: str) -> str:
    """Telegram's secret_token rule; the message never repeats the value."""
    if not _SECRET.fullmatch(value):
        raise ValueError(f"must be {SECRET_RULE}")
    return value


@dataclass(frozen=True)
class Webhook:
    """Receive updates by webhook: Telegram posts to `url`; linli's server (bot/receiver.py)
    listens on `listen_host:listen_port` (behind a TLS reverse proxy) at the URL's path."""

    url: str
    listen_host: str
    listen_port: int
    secret: str = field(repr=False)

    @property
    def path(self) -> str:
        """The path the server answers on: the public URL's path, unchanged."""
        return urlsplit(self.url).path or "/"
