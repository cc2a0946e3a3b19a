"""The webhook's receiving end: checks each post from Telegram and hands its update on.

linli serves the webhook on aiohttp rather than through PTB's ``Updater.start_webhook``
(Tornado): aiohttp parses HTTP in C where Tornado does it in Python, and in
benchmarks/bench_scale.py one process spent 0.4–0.6 ms less CPU per update with it (about
a fifth; README, "Scale", twelfth session).

The checks are PTB's, with its answers: anything but a JSON body or a missing or wrong
``X-Telegram-Bot-Api-Secret-Token`` is refused with 403 (the secret compared in constant
time), a body that is not an update with 400 (Telegram delivers it again later), and an
accepted update is answered 200 once it is in the update queue.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ExtBot

from bot.webhook import Webhook

log = logging.getLogger("linli.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's default (setWebhook's max_connections), which PTB's start_webhook passed too.
MAX_CONNECTIONS = 40


def read_update(body: bytes) -> dict[str, Any] | None:
    """The update in a post's body, or None when it is not one (no JSON object with an
    integer update_id)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    return data


class WebhookServer:
    """The HTTP server Telegram (or the load balancer in front) posts updates to."""

    def __init__(
        self, webhook: Webhook, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> None:
        self._webhook = webhook
        self._application = application
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; OSError (address in use, …) when the address cannot be had."""
        app = web.Application()
        # PTB's server took the path with or without a trailing slash; so does this.
        bare = self._webhook.path.rstrip("/")
        for path in sorted({bare or "/", bare + "/"}):
            app.router.add_post(path, self._post)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._webhook.listen_host, self._webhook.listen_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _post(self, request: web.Request) -> web.Response:
        if request.headers.get("Content-Type") != "application/json":
            return web.Response(status=403, reason="Forbidden")
        token = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(token.encode(), self._webhook.secret.encode()):
            # Neither the secret nor what was sent is logged.
            return web.Response(status=403, reason="Request had no or the wrong secret token")
        body = await request.read()
        data = read_update(body)
        if data is None:
            log.warning("a webhook post was refused: its body is not an update")
            return web.Response(status=400, reason="Not an update")
        bot = self._application.bot
        try:
            update = Update.de_json(data, bot)
        except Exception:  # PTB raises whatever its parsing meets
            log.warning("update %d was refused: PTB could not read it", data["update_id"])
            return web.Response(status=400, reason="Update could not be processed")
        if isinstance(bot, ExtBot):  # arbitrary callback data, as PTB's own handler does
            bot.insert_callback_data(update)
        await self._application.update_queue.put(update)
        return web.Response(status=200)


async def set_webhook(
    application: Application[Any, Any, Any, Any, Any, Any], webhook: Webhook
) -> None:
    """Tell Telegram where to post, with the secret. Updates it holds are kept (another
    process may be serving them) and Telegram's default set of updates is asked for, as
    when polling."""
    await application.bot.set_webhook(
        url=webhook.url,
        secret_token=webhook.secret,
        drop_pending_updates=False,
        max_connections=MAX_CONNECTIONS,
    )
