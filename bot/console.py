"""``linli console``: chat with linli in a terminal, through the same Application as Telegram.

The console starts the in-process Bot API server, points the real PTB Application at it, and
plays one Telegram user: typed lines become messages, numbers press the buttons of the latest
message, and everything the bot sends is printed. Nothing here answers questions itself.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any, TextIO

from bot.app import build_application
from bot.bot_api import BotApiServer
from bot.bot_api.recorder import BotCall
from bot.runner import linli_services, running
from bot.settings import Settings

CONSOLE_USER_ID = 10001
SHOWN_METHODS = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "sendMediaGroup"}
HELP = (
    "linli console — type a question or a /command. A number presses that button of the latest"
    " message. !help shows this, !quit (or Ctrl-D) leaves."
)


class ConsoleView:
    """Prints what the bot sends and remembers the buttons of the latest keyboard."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.buttons: list[dict[str, Any]] = []
        self.keyboard_message: dict[str, Any] | None = None

    def show(self, call: BotCall) -> None:
        if call.method not in SHOWN_METHODS or not call.ok:
            return
        text = call.params.get("text") or call.params.get("caption") or ""
        prefix = "linli (edited)" if call.method == "editMessageText" else "linli"
        if call.method in {"sendPhoto", "sendDocument", "sendMediaGroup"}:
            text = f"[{call.method[4:].lower()}] {text}"
        print(f"\n{prefix}> {text}", file=self.out)
        markup = call.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if rows:
            self.buttons = [b for row in rows for b in row]
            message = call.result if isinstance(call.result, dict) else None
            self.keyboard_message = message
            for i, button in enumerate(self.buttons, 1):
                print(f"  [{i}] {button['text']}", file=self.out)
        self.out.flush()


async def _settle(server: BotApiServer, quiet: float = 0.3, limit: float = 15.0) -> None:
    """Wait until the bot has stopped sending for ``quiet`` seconds (at most ``limit``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    seen = -1
    while loop.time() < deadline:
        count = len(server.call_history)
        if count == seen:
            return
        seen = count
        await asyncio.sleep(quiet)


async def _printer(queue: asyncio.Queue[BotCall], view: ConsoleView) -> None:
    while True:
        view.show(await queue.get())


async def run_console(
    settings: Settings,
    *,
    role: str = "resident",
    user_id: int | None = None,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    read_line: Callable[[], str] | None = None,
) -> int:
    """Run the console until end of input or ``!quit``; returns the exit code."""
    uid = user_id or CONSOLE_USER_ID
    async with BotApiServer() as server, linli_services(settings) as services:
        if role != "resident":
            await services.residents.grant_role(uid, role)  # your own local console database
        user = server.user(uid, "控制台居民" if role == "resident" else f"控制台{role}")
        application = build_application(services, token=server.token, api_url=server.url)
        view = ConsoleView(out)
        queue = server.subscribe()
        printer = asyncio.create_task(_printer(queue, view))
        reader = read_line or stdin.readline
        async with running(application, poll_timeout=1):
            await _settle(server)
            print(HELP, file=out)
            while True:
                if stdin.isatty():
                    print("你> ", end="", file=out, flush=True)
                line = await asyncio.to_thread(reader)
                if not line or line.strip() in {"!quit", "!exit"}:
                    break
                _act(server, user, view, line.strip(), out)
                await _settle(server)
        printer.cancel()
    return 0


def _act(
    server: BotApiServer, user: dict[str, Any], view: ConsoleView, line: str, out: TextIO
) -> None:
    if not line:
        return
    if line == "!help":
        print(HELP, file=out)
    elif line.isdigit() and view.keyboard_message is not None:
        index = int(line) - 1
        if not 0 <= index < len(view.buttons):
            print(f"(no button {line}; the latest message has {len(view.buttons)})", file=out)
            return
        try:
            server.press_button(user, view.keyboard_message, view.buttons[index]["callback_data"])
        except ValueError:
            print("(that button is no longer there)", file=out)
    else:
        server.send_text(user, line)
