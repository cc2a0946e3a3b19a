"""Simulated users and chats: what a test or the console does on the Telegram side."""

from __future__ import annotations

import itertools
import struct
import zlib
from typing import Any

from bot_api_emulator.text import detect_entities
from bot_api_emulator.world import JSON, World, quoted, snapshot


def _tiny_png() -> bytes:
    """A valid 1×1 PNG, so code that opens a downloaded photo gets a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


TINY_PNG = _tiny_png()

Ref = int | JSON  # a user, chat or message given as its dict or its id


def _id(ref: Ref, key: str = "id") -> int:
    return int(ref[key]) if isinstance(ref, dict) else int(ref)


def inline_buttons(message: JSON) -> list[JSON]:
    """All inline keyboard buttons of a message, row by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


class SimulatedUsers:
    """Mixin for the server: needs `self.world`; creates users/chats and injects updates."""

    world: World
    _callback_ids = itertools.count(1)

    def user(
        self,
        user_id: int,
        first_name: str = "Resident",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> JSON:
        """Create (or update) a Telegram user who has started the bot: their private chat
        exists from now on."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        extra = {"last_name": last_name, "username": username, "language_code": language_code}
        user.update({k: v for k, v in extra.items() if v is not None})
        self.world.users[user_id] = user
        chat = {k: v for k, v in user.items() if k in ("id", "first_name", "last_name", "username")}
        self.world.chats[user_id] = {**chat, "type": "private"}
        return user

    def private_chat(self, user: Ref) -> JSON:
        return self.world.chats[_id(user)]

    def group(self, chat_id: int, title: str = "Group", *, is_forum: bool = False) -> JSON:
        """A group chat. Ids from -100… (and forums) are supergroups, as on Telegram."""
        supergroup = is_forum or str(chat_id).startswith("-100")
        chat: JSON = {
            "id": chat_id,
            "type": "supergroup" if supergroup else "group",
            "title": title,
        }
        if is_forum:
            chat["is_forum"] = True
        self.world.chats[chat_id] = chat
        return chat

    def block(self, user: Ref) -> None:
        """The user blocks the bot: sends to them answer 403 until unblock()."""
        self.world.blocked_chats.add(_id(user))

    def unblock(self, user: Ref) -> None:
        self.world.blocked_chats.discard(_id(user))

    def migrate_group(self, chat: Ref, new_chat_id: int) -> JSON:
        """Upgrade a group to a supergroup: the old id answers 400 with migrate_to_chat_id."""
        old = self.world.chats.pop(_id(chat))
        self.world.migrated_chats[old["id"]] = new_chat_id
        return self.group(
            new_chat_id, old.get("title", "Group"), is_forum=bool(old.get("is_forum"))
        )

    # --- incoming messages ---------------------------------------------------------------

    def _incoming(self, user: Ref, chat: Ref | None, thread_id: int | None, **fields: Any) -> JSON:
        sender = self.world.users[_id(user)]
        target = self.world.chats[_id(chat) if chat is not None else sender["id"]]
        if thread_id is not None:
            fields.update(message_thread_id=thread_id, is_topic_message=True)
        message = self.world.new_message(target, sender, **fields)
        self.world.push_update("message", message, target["id"])
        return message

    def send_text(
        self,
        user: Ref,
        text: str,
        chat: Ref | None = None,
        reply_to: Ref | None = None,
        message_thread_id: int | None = None,
    ) -> JSON:
        """The user writes `text` (in their private chat unless `chat` is given). Commands and
        @mentions carry the entities Telegram clients add."""
        chat_id = _id(chat) if chat is not None else _id(user)
        replied = None
        if reply_to is not None:
            replied = quoted(self.world.messages[(chat_id, _id(reply_to, "message_id"))])
        return self._incoming(
            user,
            chat,
            message_thread_id,
            text=text,
            entities=detect_entities(text) or None,
            reply_to_message=replied,
        )

    def press_button(
        self,
        user: Ref,
        message: JSON,
        callback_data: str | None = None,
        *,
        label: str | None = None,
    ) -> JSON:
        """The user taps an inline button (by callback_data or by its label) on a bot message
        as it is now; returns the callback_query the bot receives."""
        current = self.world.messages.get((message["chat"]["id"], message["message_id"]))
        if current is None:
            raise ValueError("the message was deleted; its buttons cannot be pressed")
        buttons = inline_buttons(current)
        button = next(
            (
                b
                for b in buttons
                if (label is None or b["text"] == label)
                and (callback_data is None or b.get("callback_data") == callback_data)
            ),
            None,
        )
        if button is None or "callback_data" not in button:
            shown = [(b["text"], b.get("callback_data")) for b in buttons]
            raise ValueError(f"no such button {label or callback_data!r}; the message has {shown}")
        return self._press(user, current, button["callback_data"])

    def press_unshown(self, user: Ref, message: JSON, callback_data: str) -> JSON:
        """A modified client presses ``callback_data`` on a message, whatever its buttons
        show (Telegram passes on the data the client sends); returns the callback_query."""
        current = self.world.messages.get((message["chat"]["id"], message["message_id"]))
        if current is None:
            raise ValueError("the message was deleted; its buttons cannot be pressed")
        return self._press(user, current, callback_data)

    def _press(self, user: Ref, current: JSON, data: str) -> JSON:
        query: JSON = {
            "id": str(next(self._callback_ids)),
            "from": self.world.users[_id(user)],
            "message": snapshot(current),
            "chat_instance": str(abs(current["chat"]["id"]) * 7919),
            "data": data,
        }
        self.world.callback_queries[query["id"]] = query
        self.world.push_update("callback_query", query, current["chat"]["id"])
        return query

    def callback_answer(self, query: JSON) -> JSON | None:
        """How the bot answered a pressed button (answerCallbackQuery params), if it did."""
        return self.world.callback_answers.get(query["id"])

    def send_photo(
        self,
        user: Ref,
        data: bytes = TINY_PNG,
        caption: str | None = None,
        chat: Ref | None = None,
        reply_to: Ref | None = None,
    ) -> JSON:
        """The user sends a photo (as a reply to ``reply_to`` if given); getFile and the file
        route then serve `data`."""
        stored = self.world.add_file(data, "photos", ".jpg")
        sizes = [{**stored.as_json(), "width": 1, "height": 1}]
        for size in sizes:
            size.pop("file_path")
        entities = detect_entities(caption) if caption else None
        chat_id = _id(chat) if chat is not None else _id(user)
        replied = None
        if reply_to is not None:
            replied = quoted(self.world.messages[(chat_id, _id(reply_to, "message_id"))])
        return self._incoming(
            user, chat, None, photo=sizes, caption=caption, caption_entities=entities or None,
            reply_to_message=replied,
        )  # fmt: skip

    def send_document(
        self,
        user: Ref,
        data: bytes,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        chat: Ref | None = None,
    ) -> JSON:
        suffix = "." + file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        stored = self.world.add_file(data, "documents", suffix)
        document = {**stored.as_json(), "file_name": file_name, "mime_type": mime_type}
        document.pop("file_path")
        return self._incoming(user, chat, None, document=document, caption=caption)

    def send_voice(
        self, user: Ref, data: bytes = b"OggS", duration: int = 3, chat: Ref | None = None
    ) -> JSON:
        stored = self.world.add_file(data, "voice", ".oga")
        voice = {**stored.as_json(), "duration": duration, "mime_type": "audio/ogg"}
        voice.pop("file_path")
        return self._incoming(user, chat, None, voice=voice)

    def send_sticker(self, user: Ref, emoji: str = "👍", chat: Ref | None = None) -> JSON:
        stored = self.world.add_file(b"RIFF", "stickers", ".webp")
        sticker = {
            **stored.as_json(),
            "emoji": emoji,
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        sticker.pop("file_path")
        return self._incoming(user, chat, None, sticker=sticker)

    def send_location(
        self, user: Ref, latitude: float, longitude: float, chat: Ref | None = None
    ) -> JSON:
        location = {"latitude": latitude, "longitude": longitude}
        return self._incoming(user, chat, None, location=location)
