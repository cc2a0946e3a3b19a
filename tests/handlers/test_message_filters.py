"""handlers/message_filters.py means what the merged PTB expressions it replaced meant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Chat, Message, MessageEntity, PhotoSize, Update, User
from telegram.ext import filters

from handlers.message_filters import PrivateTyped, is_private_text

RESIDENT = User(7, "居民", False)
PRIVATE = Chat(7, Chat.PRIVATE)
GROUP = Chat(-100, Chat.SUPERGROUP)
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def message(chat: Chat = PRIVATE, **fields: object) -> Message:
    return Message(1, NOW, chat, from_user=RESIDENT, **fields)  # type: ignore[arg-type]


COMMAND = MessageEntity(MessageEntity.BOT_COMMAND, 0, 6)
MESSAGES = {
    "question": message(text="低保怎么申请"),
    "command": message(text="/start", entities=[COMMAND]),
    "command later in text": message(
        text="请问 /start", entities=[MessageEntity(MessageEntity.BOT_COMMAND, 3, 6)]
    ),
    "photo": message(photo=[PhotoSize("f", "u", 1, 1)], caption="楼道堆物"),
    "empty text": message(text=""),
    "service message": message(pinned_message=message(text="置顶")),
    "group question": message(GROUP, text="低保怎么申请"),
    "group service message": message(GROUP, new_chat_members=[RESIDENT]),
}
UPDATES = {
    **{name: Update(1, message=m) for name, m in MESSAGES.items()},
    "edited question": Update(1, edited_message=message(text="低保怎么申请")),
}


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_private_typed_is_the_old_expression(name: str) -> None:
    old = (
        filters.ChatType.PRIVATE
        & filters.UpdateType.MESSAGE
        & ~filters.COMMAND
        & ~filters.StatusUpdate.ALL
    )
    update = UPDATES[name]
    assert bool(PrivateTyped().check_update(update)) == bool(old.check_update(update))


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_private_text_is_the_old_expression(name: str) -> None:
    old = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    update = UPDATES[name]
    message = update.effective_message
    assert message is not None
    assert is_private_text(message) == bool(old.check_update(update))


def test_what_passes() -> None:
    typed = {name for name, u in UPDATES.items() if PrivateTyped().check_update(u)}
    assert typed == {"question", "command later in text", "photo", "empty text"}
    text = {name for name, u in UPDATES.items() if is_private_text(u.effective_message)}  # type: ignore[arg-type]
    assert text == {"question", "command later in text", "edited question"}
