"""Operations settings: the transport, its proxy and the metrics listener."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TRANSPORT", "PROXY_URL", "METRICS_LISTEN"):
        monkeypatch.delenv(f"LINLI_{name}", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_aiohttp_no_proxy_and_no_listener() -> None:
    settings = load_settings()
    assert (settings.transport, settings.proxy_url, settings.metrics_address()) == (
        "aiohttp",
        None,
        None,
    )


def test_httpx_stays_selectable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_TRANSPORT", "httpx")
    monkeypatch.setenv("LINLI_PROXY_URL", "socks5://127.0.0.1:1080")
    settings = load_settings()
    assert (settings.transport, settings.proxy_url) == ("httpx", "socks5://127.0.0.1:1080")


def test_an_unknown_transport_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_TRANSPORT", "requests")
    with pytest.raises(SettingsError, match="Invalid setting LINLI_TRANSPORT"):
        load_settings()


def test_a_socks_proxy_needs_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_PROXY_URL", "socks5://127.0.0.1:1080")
    with pytest.raises(SettingsError, match=r"LINLI_PROXY_URL.*LINLI_TRANSPORT=httpx"):
        load_settings()


def test_an_http_proxy_works_with_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_PROXY_URL", "http://proxy.lan:3128")
    assert load_settings().proxy_url == "http://proxy.lan:3128"


def test_metrics_listen_is_address_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_METRICS_LISTEN", "127.0.0.1:9464")
    assert load_settings().metrics_address() == ("127.0.0.1", 9464)
    monkeypatch.setenv("LINLI_METRICS_LISTEN", " ")
    assert load_settings().metrics_address() is None
    monkeypatch.setenv("LINLI_METRICS_LISTEN", "9464")
    with pytest.raises(SettingsError, match="Invalid setting LINLI_METRICS_LISTEN"):
        load_settings()
