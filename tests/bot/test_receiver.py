"""The webhook server's routes: the URL's path with or without its trailing slash."""

from __future__ import annotations

import socket
from typing import Any, cast

import aiohttp
import pytest
from telegram.ext import Application

from bot.receiver import SECRET_HEADER, WebhookServer
from bot.webhook import Webhook


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("path", "served", "not_served"),
    [
        ("/tg/", ["/tg/", "/tg"], ["/", "/tg/x"]),
        ("/tg", ["/tg", "/tg/"], ["/", "/t"]),
        ("/", ["/"], ["/tg"]),
    ],
)
async def test_the_path_is_served_with_and_without_its_slash(
    path: str, served: list[str], not_served: list[str]
) -> None:
    port = free_port()
    webhook = Webhook(f"http://127.0.0.1:{port}{path}", "127.0.0.1", port, "right-secret")
    # A wrong secret is refused before the application is touched.
    server = WebhookServer(webhook, cast(Application[Any, Any, Any, Any, Any, Any], None))
    await server.start()
    headers = {SECRET_HEADER: "wrong", "Content-Type": "application/json"}
    try:
        async with aiohttp.ClientSession() as session:
            for tried in served + not_served:
                url = f"http://127.0.0.1:{port}{tried}"
                async with session.post(url, data=b"{}", headers=headers) as response:
                    assert response.status == (403 if tried in served else 404), tried
    finally:
        await server.stop()
