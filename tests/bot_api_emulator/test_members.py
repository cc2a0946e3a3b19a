"""getChatMember and getChatAdministrators of the fake Bot API, read by a real PTB Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberLeft, ChatMemberMember
from telegram import error as tg_error

from tests.fakes.bot_api import BotApiServer, make_bot

STAFF = 7
GROUP = -1001234


@pytest.fixture
async def api() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as server:
        server.user(STAFF, "Staff")
        server.group(GROUP, "Staff desk", is_forum=True)
        yield server


@pytest.fixture
async def bot(api: BotApiServer) -> AsyncIterator[Bot]:
    async with make_bot(api) as ptb_bot:
        yield ptb_bot


async def test_the_bot_is_an_admin_of_a_new_group_and_may_manage_topics(
    api: BotApiServer, bot: Bot
) -> None:
    member = await bot.get_chat_member(GROUP, bot.id)
    assert isinstance(member, ChatMemberAdministrator)
    assert member.can_manage_topics is True
    assert member.user.username == "linli_bot"
    admins = await bot.get_chat_administrators(GROUP)
    assert [admin.user.id for admin in admins] == [bot.id]


async def test_a_known_user_is_a_member(bot: Bot) -> None:
    member = await bot.get_chat_member(GROUP, STAFF)
    assert isinstance(member, ChatMemberMember)
    assert member.user.first_name == "Staff"


async def test_a_test_changes_status_and_rights(api: BotApiServer, bot: Bot) -> None:
    api.set_member(GROUP, bot.id, "administrator", can_manage_topics=False)
    member = await bot.get_chat_member(GROUP, bot.id)
    assert isinstance(member, ChatMemberAdministrator)
    assert member.can_manage_topics is False
    api.set_member(GROUP, bot.id, "left")
    assert isinstance(await bot.get_chat_member(GROUP, bot.id), ChatMemberLeft)
    api.set_member(GROUP, STAFF, "administrator")
    assert [a.user.id for a in await bot.get_chat_administrators(GROUP)] == [STAFF]


async def test_unknown_chat_and_unknown_user_are_telegrams_400(bot: Bot) -> None:
    with pytest.raises(tg_error.BadRequest, match="Chat not found"):
        await bot.get_chat_member(-100999, bot.id)
    with pytest.raises(tg_error.BadRequest, match="Participant_id_invalid"):
        await bot.get_chat_member(GROUP, 123456)


def test_an_unknown_status_is_refused_at_once(api: BotApiServer) -> None:
    with pytest.raises(ValueError, match="unknown status"):
        api.set_member(GROUP, STAFF, "owner")


async def test_get_chat_describes_the_group_and_says_when_it_moved(
    api: BotApiServer, bot: Bot
) -> None:
    chat = await bot.get_chat(GROUP)
    assert (chat.id, chat.title, chat.type, chat.is_forum) == (
        GROUP,
        "Staff desk",
        "supergroup",
        True,
    )
    api.migrate_group(GROUP, -1009999)
    with pytest.raises(tg_error.ChatMigrated) as moved:
        await bot.get_chat(GROUP)
    assert moved.value.new_chat_id == -1009999
    assert (await bot.get_chat(-1009999)).is_forum is True
