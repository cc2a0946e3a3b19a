"""linli receiving updates by webhook: Telegram (the fake) posts them to linli's server."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.log_secrets import hide_secrets_in_logs
from services.knowledge.live import LiveKnowledge
from tests.e2e.conftest import RESIDENT_ID, WEBHOOK_SECRET, Linli, local_webhook, start_linli

webhook_mode = pytest.mark.parametrize("linli", ["webhook"], indirect=True)


@webhook_mode
async def test_webhook_is_set_with_its_url_and_secret_and_nothing_polls(linli: Linli) -> None:
    webhook = linli.api.webhook
    assert webhook["url"].startswith("http://127.0.0.1:")
    assert webhook["url"].endswith("/tg/linli-hook.v1")
    assert webhook["secret_token"] == WEBHOOK_SECRET
    assert not webhook.get("drop_pending_updates")
    assert "allowed_updates" not in webhook  # Telegram's default set, as when polling
    assert linli.api.calls("getUpdates") == []
    assert linli.api.calls("deleteWebhook") == []


@webhook_mode
async def test_updates_posted_with_the_secret_are_answered(linli: Linli) -> None:
    [answer] = await linli.say(linli.resident, "低保怎么申请")
    assert answer["text"].startswith("【最低生活保障") and "户口" in answer["text"]
    linli.api.send_text(linli.resident, "/start")
    await linli.api.wait_for(
        lambda: any("小王" in m.get("text", "") for m in linli.api.sent_to(RESIDENT_ID))
    )


@webhook_mode
async def test_wrong_or_missing_secret_is_refused_and_not_answered(linli: Linli) -> None:
    with linli.api.holding_webhook_updates():
        linli.api.send_text(linli.resident, "/start")
        update = linli.api.updates[-1]
        assert await linli.api.post_to_webhook(update, "wrong-secret") == 403
        assert await linli.api.post_to_webhook(update, None) == 403
        await asyncio.sleep(0.3)
        assert linli.api.sent_to(RESIDENT_ID) == []
    # Released, the fake Telegram posts the same update with the right secret.
    [greeting] = await linli.api.wait_for_message(RESIDENT_ID)
    assert "小王" in greeting["text"]


@webhook_mode
async def test_a_post_that_is_not_an_update_is_refused_and_the_next_one_answered(
    linli: Linli,
) -> None:
    url = linli.api.webhook["url"]
    secret = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    json_type = {**secret, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        for body, headers, status in [
            (b"{not json", json_type, 400),
            (b'{"update_id": "7"}', json_type, 400),  # no integer update_id
            (b"[1, 2]", json_type, 400),
            (b"[" * 200_000 + b"]" * 200_000, json_type, 400),
            (b'{"update_id": 7}', {**secret, "Content-Type": "text/plain"}, 403),
        ]:
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == status, body
        async with session.get(url, headers=secret) as response:
            assert response.status == 405
    # Nothing was lost or stuck: the resident's next message is answered.
    [answer] = await linli.say(linli.resident, "低保怎么申请")
    assert answer["text"].startswith("【最低生活保障")


async def test_stopping_keeps_the_webhook_and_no_log_shows_the_secret(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    root = logging.getLogger()
    level = root.level
    hide_secrets_in_logs([WEBHOOK_SECRET], [handler])
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # PTB logs every call's parameters at DEBUG
    webhook = local_webhook()
    try:
        async with start_linli(tmp_path, live_knowledge, webhook=webhook) as (api, _):
            api.user(RESIDENT_ID, "小王")
            api.send_text(RESIDENT_ID, "/start")
            await api.wait_for_message(RESIDENT_ID)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    # Another process may still serve the webhook: stopping leaves it set…
    assert api.calls("deleteWebhook") == [] and api.webhook["url"] == webhook.url
    # …and PTB's server is gone.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", webhook.listen_port)).close()
    logs = written.getvalue()
    assert "setWebhook" in logs and "secret_token" in logs
    assert WEBHOOK_SECRET not in logs


async def test_a_webhook_port_in_use_stops_linli_with_the_reason(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        webhook = local_webhook(taken.getsockname()[1])
        with pytest.raises(OSError, match="in use"):
            async with start_linli(tmp_path, live_knowledge, webhook=webhook):
                pass
