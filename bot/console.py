"""``linli console``: chat with linli in a terminal, through the same Application as Telegram.

The console starts the in-process Bot API server, points the real PTB Application at it, and
plays Telegram users: typed lines become messages, numbers press the buttons of the latest
message, and everything the bot sends is printed. Nothing here answers questions itself.

Four pretend people share one session so the whole ticket loop can be tried: a resident (in
their private chat), a staff member (in the staff group), an official and an admin (in their
private chats). ``!as staff`` switches who is typing.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from bot.app import build_application
from bot.runner import linli_services, running
from bot.settings import Settings
from bot_api_emulator import BotApiServer
from bot_api_emulator.recorder import BotCall

STAFF_GROUP_ID = -1009000
SHOWN_METHODS = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "sendMediaGroup"}
HELP = (
    "linli console — type a question or a /command. A number presses that button of the latest"
    " message in your chat (with no such button it is sent as text, like a phone number);"
    " !reply TEXT replies to the bot's latest message there."
    " !as resident|staff|official|admin switches who you are (staff type in the staff group)."
    " !help shows this, !quit (or Ctrl-D) leaves."
)


@dataclass(frozen=True, slots=True)
class Persona:
    role: str
    user_id: int
    name: str
    chat_id: int  # where this person types


PERSONAS = {
    "resident": Persona("resident", 10001, "控制台居民", 10001),
    "staff": Persona("staff", 10002, "控制台工作人员", STAFF_GROUP_ID),
    "official": Persona("official", 10003, "控制台领导", 10003),
    "admin": Persona("admin", 10004, "控制台管理员", 10004),
}


class ConsoleView:
    """Prints what the bot sends, and remembers each chat's latest keyboard and message."""

    def __init__(self, out: TextIO, chat_names: dict[int, str]) -> None:
        self.out = out
        self.chat_names = chat_names
        self.keyboards: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        self.latest: dict[int, dict[str, Any]] = {}

    def show(self, call: BotCall) -> None:
        if call.method not in SHOWN_METHODS or not call.ok:
            return
        chat_id = call.chat_id or 0
        text = call.params.get("text") or call.params.get("caption") or ""
        where = self.chat_names.get(chat_id, str(chat_id))
        edited = " (edited)" if call.method == "editMessageText" else ""
        if call.method in {"sendPhoto", "sendDocument", "sendMediaGroup"}:
            text = f"[{call.method[4:].lower()}] {text}"
        print(f"\nlinli → {where}{edited}> {text}", file=self.out)
        message = call.result if isinstance(call.result, dict) else None
        if message is not None:
            self.latest[chat_id] = message
        markup = call.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if rows and message is not None:
            buttons = [b for row in rows for b in row]
            self.keyboards[chat_id] = (message, buttons)
            for i, button in enumerate(buttons, 1):
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
    personas = dict(PERSONAS)
    if user_id is not None:
        mine = personas[role]
        personas[role] = Persona(
            role, user_id, mine.name, STAFF_GROUP_ID if role == "staff" else user_id
        )
    settings = settings.model_copy(update={"staff_chat_id": STAFF_GROUP_ID})
    async with BotApiServer() as server, linli_services(settings) as services:
        users = {}
        for persona in personas.values():
            users[persona.role] = server.user(persona.user_id, persona.name)
            if persona.role != "resident":  # roles in your own local console database only
                await services.residents.grant_role(persona.user_id, persona.role)
        server.group(STAFF_GROUP_ID, "社区工作群")
        names = {p.user_id: p.name for p in personas.values()}  # their private chats
        names[STAFF_GROUP_ID] = "工作群"
        application = build_application(
            services,
            token=server.token,
            api_url=server.url,
            staff_chat_id=STAFF_GROUP_ID,
            scheduler_timezone=settings.timezone,  # scheduled notices and bulletins go out
            # The local emulator has no Telegram limits, and a pressed message settled a
            # second late would print after the next prompt.
            overall_rate=0,
        )
        view = ConsoleView(out, names)
        printer = asyncio.create_task(_printer(server.subscribe(), view))
        reader = read_line or stdin.readline
        current = personas[role]
        async with running(application, poll_timeout=1):
            await _settle(server)
            print(HELP, file=out)
            print(f"(you are {current.name}, {current.role})", file=out)
            while True:
                if stdin.isatty():
                    print(f"{current.name}> ", end="", file=out, flush=True)
                line = await asyncio.to_thread(reader)
                if not line or line.strip() in {"!quit", "!exit"}:
                    break
                current = _act(server, users, personas, current, view, line.strip(), out)
                await _settle(server)
        printer.cancel()
    return 0


def _act(
    server: BotApiServer,
    users: dict[str, dict[str, Any]],
    personas: dict[str, Persona],
    current: Persona,
    view: ConsoleView,
    line: str,
    out: TextIO,
) -> Persona:
    """Carry out one typed line; returns who is typing next."""
    user = users[current.role]
    chat = current.chat_id
    if not line:
        return current
    if line == "!help":
        print(HELP, file=out)
    elif line.startswith("!as"):
        wanted = line[3:].strip()
        if wanted not in personas:
            print(f"(who? choose one of: {', '.join(personas)})", file=out)
            return current
        current = personas[wanted]
        print(f"(you are now {current.name}, {current.role})", file=out)
    elif line.startswith("!reply"):
        target = view.latest.get(chat)
        if target is None:
            print("(nothing to reply to yet in this chat)", file=out)
        else:
            server.send_text(user, line[6:].strip() or "…", chat=chat, reply_to=target)
    elif line.isdigit() and _has_button(view, chat, int(line)):
        _press(server, user, view, chat, int(line), out)
    else:
        if line.isdigit():
            print(f"(no button {line} here: sent as text)", file=out)
        server.send_text(user, line, chat=chat)
    return current


def _has_button(view: ConsoleView, chat: int, n: int) -> bool:
    message, buttons = view.keyboards.get(chat, (None, []))
    return message is not None and 1 <= n <= len(buttons)


def _press(
    server: BotApiServer, user: dict[str, Any], view: ConsoleView, chat: int, n: int, out: TextIO
) -> None:
    message, buttons = view.keyboards[chat]
    assert message is not None
    try:
        server.press_button(user, message, buttons[n - 1]["callback_data"])
    except ValueError:
        print("(that button is no longer there)", file=out)
