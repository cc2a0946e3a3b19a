"""Bot API methods about the bot itself, updates, webhooks, commands, files and chats."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from bot_api_emulator.registry import Upload, method, require
from bot_api_emulator.world import JSON, ApiError, World, bad_request

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@method("getMe")
async def get_me(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    return {
        **world.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


@method("getUpdates")
async def get_updates(world: World, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
    if world.webhook.get("url"):
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    timeout = float(params.get("timeout") or 0)
    limit = int(params.get("limit") or 100)
    offset = params.get("offset")
    return await world.take_updates(None if offset is None else int(offset), limit, timeout)


@method("setWebhook")
async def set_webhook(world: World, params: JSON, uploads: dict[str, Upload]) -> bool:
    """Records every parameter (secret_token too); from now on bot_api.webhook posts the
    updates there. http:// is accepted for a loopback host, as a local Bot API server does."""
    require(params, "url")
    url = urlsplit(str(params["url"]))
    loopback = url.hostname in ("localhost", "127.0.0.1", "::1")
    if url.scheme != "https" and not (url.scheme == "http" and loopback):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        world.pending_updates.clear()
    world.webhook = {"url": params["url"], **{k: v for k, v in params.items() if k != "url"}}
    world.webhook_error = {}
    world.webhook_wakeup.set()
    return True


@method("deleteWebhook")
async def delete_webhook(world: World, params: JSON, uploads: dict[str, Upload]) -> bool:
    world.webhook = {"url": ""}
    world.webhook_error = {}
    if params.get("drop_pending_updates"):
        world.pending_updates.clear()
    return True


@method("getWebhookInfo")
async def get_webhook_info(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    return {
        "url": world.webhook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(world.pending_updates),
        **world.webhook_error,
        **(
            {"allowed_updates": world.webhook["allowed_updates"]}
            if "allowed_updates" in world.webhook
            else {}
        ),
    }


def _commands_key(params: JSON) -> tuple[str, str]:
    """Commands are stored per (scope, language_code), as Telegram does."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


@method("setMyCommands")
async def set_my_commands(world: World, params: JSON, uploads: dict[str, Upload]) -> bool:
    require(params, "commands")
    commands = params["commands"]
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be a list of at most 100 BotCommand")
    for command in commands:
        name, description = command.get("command", ""), command.get("description", "")
        if not (1 <= len(name) <= 32 and name == name.lower() and name.replace("_", "").isalnum()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    world.commands[_commands_key(params)] = commands
    return True


@method("getMyCommands")
async def get_my_commands(world: World, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
    return world.commands.get(_commands_key(params), [])


@method("deleteMyCommands")
async def delete_my_commands(world: World, params: JSON, uploads: dict[str, Upload]) -> bool:
    world.commands.pop(_commands_key(params), None)
    return True


@method("getFile")
async def get_file(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    require(params, "file_id")
    stored = world.files.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.as_json()


@method("getChat")
async def get_chat(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    require(params, "chat_id")
    chat = world.chat(params["chat_id"])
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11}


@method("createForumTopic")
async def create_forum_topic(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    require(params, "chat_id", "name")
    chat = world.chat(params["chat_id"])
    if not chat.get("is_forum"):
        raise bad_request("the chat is not a forum")
    if not 1 <= len(params["name"]) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY")
    # Telegram's topic id is the id of the service message that created the topic.
    topic: JSON = {"name": params["name"], "icon_color": int(params.get("icon_color") or 7322096)}
    created = world.new_message(chat, world.bot_user, forum_topic_created=dict(topic))
    topic["message_thread_id"] = created["message_id"]
    return topic


async def _true(world: World, params: JSON, uploads: dict[str, Upload]) -> Any:
    return True


method("close")(_true)
method("logOut")(_true)
