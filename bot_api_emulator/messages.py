"""Bot API methods that send, edit and delete messages."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot_api_emulator.registry import Upload, method, require
from bot_api_emulator.text import EntityParseError, render_text, utf16_len
from bot_api_emulator.world import JSON, StoredFile, World, bad_request, snapshot

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64

_media_groups = itertools.count(1)


def _formatted(params: JSON, key: str, limit: int) -> tuple[str, list[JSON] | None]:
    text = params.get(key)
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        plain, entities = render_text(text, params.get("parse_mode"), params.get(f"{key}_entities"))
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    if key == "text" and not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    return plain, entities


def _inline_markup(params: JSON) -> JSON | None:
    """Telegram echoes only inline keyboards back in the Message; it checks callback_data."""
    markup = params.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
    return markup


def _bot_message(world: World, params: JSON, **content: Any) -> JSON:
    """A message from the bot to params' chat_id, with the common fields Telegram fills in."""
    require(params, "chat_id")
    chat = world.chat(params["chat_id"])
    thread_id = params.get("message_thread_id")
    if thread_id is not None and not chat.get("is_forum"):
        raise bad_request("message thread not found")
    message = world.new_message(
        chat,
        world.bot_user,
        reply_to_message=world.reply_target(chat["id"], params),
        message_thread_id=thread_id,
        is_topic_message=True if thread_id is not None else None,
        reply_markup=_inline_markup(params),
        **content,
    )
    return snapshot(message)  # the stored message changes on edits; the reply does not


@method("sendMessage")
async def send_message(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    require(params, "chat_id", "text")
    text, entities = _formatted(params, "text", MAX_TEXT)
    return _bot_message(world, params, text=text, entities=entities)


def _file_param(world: World, value: Any, uploads: dict[str, Upload], kind: str) -> StoredFile:
    """A file given as an upload (multipart, maybe via attach://), a known file_id, or a URL."""
    name = (
        value[len("attach://") :]
        if isinstance(value, str) and value.startswith("attach://")
        else kind
    )
    if name in uploads:
        filename, data = uploads[name]
        suffix = ".jpg" if kind == "photo" else "." + filename.rsplit(".", 1)[-1]
        if kind != "photo" and "." not in filename:
            suffix = ""
        return world.add_file(data, f"{kind}s", suffix)
    if isinstance(value, str) and value in world.files:
        return world.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return world.add_file(b"", f"{kind}s", "")  # Telegram fetches URLs; we never go online
    raise bad_request(f"wrong file identifier/HTTP URL specified for {kind}")


def photo_sizes(stored: StoredFile) -> list[JSON]:
    size = {**stored.as_json(), "width": 1280, "height": 960}
    del size["file_path"]  # only getFile reveals the path
    return [size]


def _media_content(world: World, kind: str, stored: StoredFile, upload_name: str) -> JSON:
    if kind == "photo":
        return {"photo": photo_sizes(stored)}
    document = {**stored.as_json(), "file_name": upload_name}
    document.pop("file_path")
    return {kind: document}


async def _send_media(world: World, params: JSON, uploads: dict[str, Upload], kind: str) -> JSON:
    if kind not in uploads:  # a single upload arrives as a multipart part named after `kind`
        require(params, kind)
    require(params, "chat_id")
    world.chat(params["chat_id"])  # fail on an unknown chat before storing the file
    stored = _file_param(world, params.get(kind), uploads, kind)
    caption, entities = _formatted(params, "caption", MAX_CAPTION)
    upload_name = uploads.get(kind, (stored.file_path.rsplit("/", 1)[-1], b""))[0]
    return _bot_message(
        world,
        params,
        caption=caption or None,
        caption_entities=entities,
        **_media_content(world, kind, stored, upload_name),
    )


@method("sendPhoto")
async def send_photo(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    return await _send_media(world, params, uploads, "photo")


@method("sendDocument")
async def send_document(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    return await _send_media(world, params, uploads, "document")


@method("sendMediaGroup")
async def send_media_group(world: World, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
    require(params, "chat_id", "media")
    media = params["media"]
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media files specified: must be 2-10")
    world.chat(params["chat_id"])
    group_id = str(next(_media_groups))
    sent = []
    for item in media:
        kind = item.get("type", "photo")
        stored = _file_param(world, item.get("media"), uploads, kind)
        caption, entities = _formatted(item, "caption", MAX_CAPTION)
        content = _media_content(world, kind, stored, stored.file_path.rsplit("/", 1)[-1])
        message = _bot_message(
            world,
            params,
            media_group_id=group_id,
            caption=caption or None,
            caption_entities=entities,
            **content,
        )
        sent.append(message)
    return sent


def _edit(world: World, params: JSON) -> JSON:
    if params.get("inline_message_id"):
        raise bad_request("inline messages are not simulated by this server")
    require(params, "chat_id", "message_id")
    world.chat(params["chat_id"])
    return world.message(params["chat_id"], params["message_id"])


def _apply_edit(message: JSON, changes: JSON) -> JSON:
    if all(message.get(k) == v for k, v in changes.items()):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    message["edit_date"] = int(time.time())
    return snapshot(message)


@method("editMessageText")
async def edit_message_text(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    message = _edit(world, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text, entities = _formatted(params, "text", MAX_TEXT)
    changes = {"text": text, "entities": entities, "reply_markup": _inline_markup(params)}
    return _apply_edit(message, changes)


@method("editMessageCaption")
async def edit_message_caption(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    message = _edit(world, params)
    caption, entities = _formatted(params, "caption", MAX_CAPTION)
    changes = {
        "caption": caption or None,
        "caption_entities": entities,
        "reply_markup": _inline_markup(params),
    }
    return _apply_edit(message, changes)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    message = _edit(world, params)
    return _apply_edit(message, {"reply_markup": _inline_markup(params)})


@method("deleteMessage")
async def delete_message(world: World, params: JSON, uploads: dict[str, Upload]) -> bool:
    require(params, "chat_id", "message_id")
    chat = world.chat(params["chat_id"])
    if world.messages.pop((chat["id"], int(params["message_id"])), None) is None:
        raise bad_request("message to delete not found")
    return True


@method("answerCallbackQuery")
async def answer_callback_query(world: World, params: JSON, uploads: dict[str, Upload]) -> bool:
    require(params, "callback_query_id")
    if params["callback_query_id"] not in world.callback_queries:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if params["callback_query_id"] in world.callback_answers:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    answer = {k: v for k, v in params.items() if k != "callback_query_id"}
    world.callback_answers[params["callback_query_id"]] = answer
    return True


@method("sendChatAction")
async def send_chat_action(world: World, params: JSON, uploads: dict[str, Upload]) -> bool:
    require(params, "chat_id", "action")
    world.chat(params["chat_id"])
    return True
