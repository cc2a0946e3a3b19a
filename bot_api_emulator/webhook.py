"""Telegram's side of a webhook: pending updates are POSTed, in order, to the URL setWebhook
gave, with its secret_token in the X-Telegram-Bot-Api-Secret-Token header.

``balance()`` puts a load balancer in front, as a deployment of several processes has: posts
go round-robin to a list of addresses instead, and with ``connections`` > 1 several are in
flight at once (Telegram's ``max_connections``), so they may arrive out of order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator

from bot_api_emulator.poster import JsonPoster
from bot_api_emulator.world import JSON, World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_S = 0.05  # Telegram backs off for longer; tests want the retry soon


class WebhookPusher:
    """Delivers the world's pending updates while a webhook is set (getUpdates is refused
    then), removing each once the bot answers 2xx and retrying it otherwise."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.held = False
        self.targets: list[str] = []
        self.connections = 1
        self._turn = 0
        self._in_flight: set[asyncio.Task[None]] = set()
        self._poster: JsonPoster | None = None
        self._task: asyncio.Task[None] | None = None

    def balance(self, targets: list[str], connections: int = 1) -> None:
        """Post round-robin to ``targets`` (full URLs) instead of the webhook URL, up to
        ``connections`` posts at once; an empty list posts to the webhook URL again."""
        if connections < 1:
            raise ValueError("connections must be at least 1")
        self.targets = list(targets)
        self.connections = connections
        self.world.webhook_wakeup.set()

    async def start(self) -> None:
        self._poster = JsonPoster(timeout=10)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._poster is not None:
            await self._poster.close()
            self._poster = None

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Keep updates pending (not posted) inside the block; they go out after it."""
        self.held = True
        try:
            yield
        finally:
            self.held = False
            self.world.webhook_wakeup.set()

    async def post(self, update: JSON, secret_token: str | None) -> int:
        """POST one update to the webhook URL with this secret header (None: no header);
        the HTTP status the bot answered."""
        url = self.world.webhook.get("url")
        if not url or self._poster is None:
            raise RuntimeError("no webhook is set, or the server is not running")
        if self.targets:
            url = self.targets[self._turn % len(self.targets)]
            self._turn += 1
        headers = {SECRET_HEADER: secret_token} if secret_token is not None else {}
        return await self._poster.post(url, json.dumps(update).encode(), headers)

    async def _run(self) -> None:
        world = self.world
        while True:
            await world.webhook_wakeup.wait()
            world.webhook_wakeup.clear()
            if self.connections > 1:
                await self._post_concurrently()
                continue
            while world.webhook.get("url") and world.pending_updates and not self.held:
                update = world.pending_updates[0]
                if not await self._deliver(update):
                    await asyncio.sleep(RETRY_S)
                    continue
                if world.pending_updates and world.pending_updates[0] is update:
                    world.pending_updates.pop(0)
                world.update_deliveries.setdefault(update["update_id"], time.perf_counter())

    async def _post_concurrently(self) -> None:
        # Updates leave the pending list as they are posted; a failed one goes back in front.
        world = self.world
        while world.webhook.get("url") and world.pending_updates and not self.held:
            if len(self._in_flight) >= self.connections:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            task = asyncio.create_task(self._post_one(world.pending_updates.pop(0)))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _post_one(self, update: JSON) -> None:
        if await self._deliver(update):
            self.world.update_deliveries.setdefault(update["update_id"], time.perf_counter())
            return
        await asyncio.sleep(RETRY_S)
        self.world.pending_updates.insert(0, update)
        self.world.webhook_wakeup.set()

    async def _deliver(self, update: JSON) -> bool:
        try:
            status = await self.post(update, self.world.webhook.get("secret_token"))
        except (OSError, TimeoutError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        else:
            if 200 <= status < 300:
                return True
            error = f"Wrong response from the webhook: {status}"
        self.world.webhook_error = {
            "last_error_date": int(time.time()),
            "last_error_message": error,
        }
        return False
