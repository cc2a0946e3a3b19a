"""Who is in a group and with which rights: getChatMember, getChatAdministrators.

The bot is an administrator of every group the emulator creates (with the right to manage
forum topics) unless a test says otherwise with ``BotApiServer.set_member``; a known user is
a plain member of every group, as a test's staff and residents usually are.
"""

from __future__ import annotations

from typing import Any

from bot_api_emulator.registry import Upload, method, require
from bot_api_emulator.world import JSON, World, bad_request

# Every right a ChatMemberAdministrator must state, all granted.
ADMIN_RIGHTS: JSON = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


def member_record(status: str, **rights: Any) -> JSON:
    """A ChatMember without its user: ``status`` plus, for administrators, every right
    (``rights`` overrides some, e.g. ``can_manage_topics=False``)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; one of {STATUSES}")
    record: JSON = {"status": status}
    if status == "administrator":
        record.update(ADMIN_RIGHTS)
    elif status == "creator":
        record["is_anonymous"] = False
    elif status == "restricted":
        record.update(is_member=True, until_date=0, can_send_messages=False)
    elif status == "kicked":
        record["until_date"] = 0
    record.update(rights)
    return record


def _member(world: World, chat: JSON, user_id: int) -> JSON:
    stored = world.members.get((chat["id"], user_id))
    if stored is None:
        if user_id == world.bot_user["id"]:
            stored = member_record("administrator")
        elif user_id in world.users:
            stored = member_record("member")
        else:
            raise bad_request("PARTICIPANT_ID_INVALID")
    return {**stored, "user": _member_user(world, user_id)}


@method("getChatMember")
async def get_chat_member(world: World, params: JSON, uploads: dict[str, Upload]) -> JSON:
    require(params, "chat_id", "user_id")
    chat = world.chat(params["chat_id"])
    user_id = int(params["user_id"])
    if chat["type"] == "private":
        if user_id not in (chat["id"], world.bot_user["id"]):
            raise bad_request("PARTICIPANT_ID_INVALID")
        return {"status": "member", "user": _member_user(world, user_id)}
    return _member(world, chat, user_id)


def _member_user(world: World, user_id: int) -> JSON:
    return world.bot_user if user_id == world.bot_user["id"] else world.users[user_id]


@method("getChatAdministrators")
async def get_chat_administrators(
    world: World, params: JSON, uploads: dict[str, Upload]
) -> list[JSON]:
    require(params, "chat_id")
    chat = world.chat(params["chat_id"])
    if chat["type"] == "private":
        raise bad_request("there are no administrators in the private chat")
    people = [world.bot_user["id"], *world.users]
    found = (_member(world, chat, user_id) for user_id in people)
    return [m for m in found if m["status"] in ("creator", "administrator")]
