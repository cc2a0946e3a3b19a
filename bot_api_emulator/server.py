"""An in-process Telegram Bot API server over real HTTP, for the console, tests and benchmarks.

PTB builds request URLs as ``base_url + token + "/" + method`` and file URLs as
``base_file_url + token + "/" + file_path``; point it here with
``ApplicationBuilder().base_url(server.base_url).base_file_url(server.base_file_url)``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

from aiohttp import web

# Importing the method modules registers their methods.
from bot_api_emulator import account, members, messages  # noqa: F401
from bot_api_emulator.faults import FaultPlan, FloodGuard, FloodLimits, FloodViolation, StallPlan
from bot_api_emulator.recorder import BotCall, CallLog
from bot_api_emulator.registry import METHODS, Upload
from bot_api_emulator.text import decode_param
from bot_api_emulator.users import SimulatedUsers
from bot_api_emulator.webhook import WebhookPusher
from bot_api_emulator.world import JSON, ApiError, World

_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
_UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def _read_params(request: web.Request) -> tuple[JSON, dict[str, Upload]]:
    """Parameters from the query string and a form, multipart or JSON body."""
    params: JSON = {k: decode_param(k, v) for k, v in request.query.items()}
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        params.update(await request.json())
        return params, uploads
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            uploads[name] = (value.filename or name, value.file.read())
        else:
            params[name] = decode_param(name, str(value))
    return params, uploads


async def _stalled(request: web.Request, seconds: float | None) -> web.Response:
    """A late 502 after ``seconds``, or (None) a connection closed without an answer."""
    if seconds is None:
        if request.transport is not None:
            request.transport.abort()
        raise ConnectionResetError("dropped by the emulator")
    await asyncio.sleep(seconds)
    body = {"ok": False, "error_code": 502, "description": "Bad Gateway: stalled"}
    return web.json_response(body, status=502)


class BotApiServer(SimulatedUsers, CallLog):
    """The fake Bot API: serves PTB over HTTP on 127.0.0.1, simulates users, records calls.

    Use ``async with BotApiServer() as server:`` or ``await server.start()`` / ``stop()``.
    All methods must be called on the event loop the server runs on.
    """

    def __init__(
        self,
        token: str = "1000000:TEST-TOKEN",
        *,
        bot_id: int = 1000000,
        bot_username: str = "linli_bot",
        bot_first_name: str = "linli 邻里",
        host: str = "127.0.0.1",
        port: int = 0,
        flood_limits: FloodLimits | None = None,
    ) -> None:
        CallLog.__init__(self)
        self.token = token
        self.host = host
        self.port = port
        bot_user = {"id": bot_id, "is_bot": True, "first_name": bot_first_name}
        self.world = World(bot_user={**bot_user, "username": bot_username})
        self.faults = FaultPlan()
        self.stalls = StallPlan()
        self.flood: FloodGuard | None = FloodGuard(flood_limits) if flood_limits else None
        self._runner: web.AppRunner | None = None
        self._webhook = WebhookPusher(self.world)

    # --- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:41234 (what LINLI_BOT_API_URL would hold)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> JSON:
        return self.world.bot_user

    # --- behaviour switches --------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` ("*" for any) — only those to `chat_id`
        if given — with this error instead of running them. 429 defaults to retry_after=1."""
        self.faults.add(
            method,
            error_code,
            description,
            retry_after=retry_after,
            count=count,
            chat_id=chat_id,
            migrate_to_chat_id=migrate_to_chat_id,
        )

    def set_member(self, chat: int | JSON, user_id: int, status: str, **rights: Any) -> None:
        """Make ``user_id`` (the bot's id too) a creator, administrator, member, restricted,
        left or kicked in this group; administrators get every right unless ``rights`` say
        otherwise (``can_manage_topics=False``)."""
        chat_id = int(chat["id"]) if isinstance(chat, dict) else int(chat)
        self.world.members[(chat_id, user_id)] = members.member_record(status, **rights)

    def stall_next(self, method: str, seconds: float, *, count: int = 1) -> None:
        """Answer the next `count` calls of `method` ("*" for any) only after `seconds`
        (a client with a shorter read timeout gives up); the call is not carried out."""
        self.stalls.add(method, seconds, count)

    def drop_next(self, method: str, *, count: int = 1) -> None:
        """Close the connection of the next `count` calls of `method` without an answer."""
        self.stalls.add(method, None, count)

    def enforce_flood_limits(self, limits: FloodLimits | None = FloodLimits()) -> None:  # noqa: B008
        """Start refusing sends beyond `limits` with 429 (None switches enforcement off)."""
        self.flood = FloodGuard(limits) if limits else None

    @property
    def flood_violations(self) -> list[FloodViolation]:
        return self.flood.violations if self.flood else []

    @property
    def updates(self) -> list[JSON]:
        """Every update injected so far, in order (also those already fetched by the bot)."""
        return self.world.injected_updates

    def commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        """The command list the bot registered for this language and scope."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True), language_code
        return self.world.commands.get(key, [])

    # --- webhook ---------------------------------------------------------------------------

    @property
    def webhook(self) -> JSON:
        """What the last setWebhook gave (url, secret_token, …); url "" when none is set.
        While one is set, updates are posted there as Telegram would (bot_api.webhook)."""
        return self.world.webhook

    async def post_to_webhook(self, update: JSON, secret_token: str | None) -> int:
        """POST `update` to the webhook URL with this X-Telegram-Bot-Api-Secret-Token (None:
        without the header), as Telegram would; returns the HTTP status the bot answered."""
        return await self._webhook.post(update, secret_token)

    def balance_webhook(self, targets: list[str], connections: int = 1) -> None:
        """A load balancer in front of several processes: post round-robin to ``targets``
        (full URLs) rather than the webhook URL, ``connections`` posts at a time."""
        self._webhook.balance(targets, connections)

    @contextmanager
    def holding_webhook_updates(self) -> Iterator[None]:
        """Updates injected inside the block wait; Telegram posts them after it."""
        with self._webhook.holding():
            yield

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        self.world.closing = False
        await self._webhook.start()
        return self

    async def stop(self) -> None:
        # Release long polls first so the HTTP server does not wait for them.
        self.world.closing = True
        self.world.wake_pollers()
        await self._webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(_UNAUTHORIZED, status=401)
        entry = METHODS.get(request.match_info["method"].lower())
        params, uploads = await _read_params(request)
        started = time.perf_counter()
        stall = self.stalls.take(entry.name if entry else request.match_info["method"])
        if stall is not None:
            return await _stalled(request, stall.seconds)
        if entry is None:
            self._record(BotCall(request.match_info["method"], params, None, started, _NOT_FOUND))
            return web.json_response(_NOT_FOUND, status=404)
        try:
            error = self.faults.take(entry.name, params)
            if error is None and self.flood is not None:
                error = self.flood.check(entry.name, params)
            if error is not None:
                raise error
            result: Any = await entry.handler(self.world, params, uploads)
        except ApiError as exc:
            self._record(BotCall(entry.name, params, None, started, exc.body()))
            return web.json_response(exc.body(), status=exc.error_code)
        self._record(BotCall(entry.name, params, result, started))
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.world.file_by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=stored.data, content_type="application/octet-stream")
