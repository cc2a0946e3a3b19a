"""The fake Bot API server, driven by a real PTB Bot / Application over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram import error as tg_error
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers.context import Context
from tests.fakes.bot_api import (
    TINY_PNG,
    BotApiServer,
    FloodLimits,
    Limit,
    application_builder,
    button_labels,
    make_bot,
)

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; seconds() handles both.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

RESIDENT = 42
STAFF_GROUP = -1001234567890


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        running.user(RESIDENT, "小王", username="xiaowang")
        yield running


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with make_bot(server) as ptb_bot:
        yield ptb_bot


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


def retry_after_of(exc: tg_error.RetryAfter) -> float:
    return seconds(exc.retry_after)


async def test_get_me_reports_the_configured_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (1000000, "linli_bot", True)


async def test_wrong_token_is_unauthorized(server: BotApiServer) -> None:
    wrong = Bot("1:WRONG", base_url=server.base_url, base_file_url=server.base_file_url)
    with pytest.raises(tg_error.InvalidToken):
        await wrong.initialize()


async def test_send_message_is_recorded_with_html_parsed_and_buttons(
    server: BotApiServer, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍 有用", callback_data="fb:1:up")]])
    sent = await bot.send_message(
        RESIDENT, "<b>低保</b>申请 &amp; 办理", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "低保申请 & 办理"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 2
    assert sent.from_user.username == "linli_bot" and sent.chat.type == "private"

    (call,) = server.calls("sendMessage")
    assert call.ok and call.params["chat_id"] == RESIDENT and call.params["parse_mode"] == "HTML"
    seen = server.last_message(RESIDENT)
    assert seen is not None and seen["text"] == "低保申请 & 办理"
    assert button_labels(seen) == ["👍 有用"]


async def test_a_wait_for_one_chat_is_rechecked_only_by_that_chats_calls(
    server: BotApiServer, bot: Bot
) -> None:
    server.user(43, "小李")
    checks: list[int] = []

    def answered() -> bool:
        checks.append(1)
        return bool(server.calls("sendMessage", RESIDENT))

    waiting = asyncio.create_task(server.wait_for(answered, timeout=5, chat_id=RESIDENT))
    await asyncio.sleep(0.05)
    for _ in range(5):  # another chat's calls: the waiter sleeps on
        await bot.send_message(43, "别人的消息")
    assert len(checks) == 1 and not waiting.done()
    await bot.send_message(RESIDENT, "你的回答")
    assert await waiting is True
    assert len(checks) == 2


async def test_calls_and_counts_by_chat_and_method_keep_the_order_of_the_calls(
    server: BotApiServer, bot: Bot
) -> None:
    server.user(43, "小李")
    await bot.send_message(RESIDENT, "一")
    await bot.send_chat_action(RESIDENT, "typing")
    await bot.send_message(43, "别人的")
    await bot.send_message(RESIDENT, "二")
    sent = server.calls("sendMessage", RESIDENT)
    assert [call.params["text"] for call in sent] == ["一", "二"]
    assert server.count("sendMessage", RESIDENT) == 2
    assert server.count("sendChatAction", RESIDENT) == 1
    assert server.count("sendMessage", 43) == 1 and server.count("sendMessage", 44) == 0
    assert [call.method for call in server.calls(chat_id=RESIDENT)] == [
        "sendMessage",
        "sendChatAction",
        "sendMessage",
    ]


async def test_message_ids_count_per_chat_and_replies_quote_the_message(
    server: BotApiServer, bot: Bot
) -> None:
    question = server.send_text(RESIDENT, "低保怎么申请")
    answer = await bot.send_message(RESIDENT, "答复", reply_to_message_id=question["message_id"])
    assert answer.message_id == question["message_id"] + 1
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "低保怎么申请"


async def test_get_updates_long_poll_wakes_on_injected_message_and_offset_confirms(
    server: BotApiServer, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    assert not poll.done()
    server.send_text(RESIDENT, "/start")
    updates = await asyncio.wait_for(poll, 5)
    (update,) = updates
    assert update.message.text == "/start"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.from_user.first_name == "小王"

    assert await bot.get_updates(offset=update.update_id, timeout=0) == (update,)
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_group_mention_carries_a_mention_entity(server: BotApiServer, bot: Bot) -> None:
    group = server.group(STAFF_GROUP, "社区工作群")
    server.send_text(RESIDENT, "@linli_bot 垃圾分类几点收", chat=group)
    (update,) = await bot.get_updates(timeout=1)
    assert update.message.chat.type == "supergroup"
    (mention,) = update.message.entities
    assert (mention.type, mention.offset, mention.length) == ("mention", 0, 10)


async def test_entity_offsets_count_utf16_units_like_telegram(
    server: BotApiServer, bot: Bot
) -> None:
    server.send_text(RESIDENT, "😀 /help@linli_bot")
    (update,) = await bot.get_updates(timeout=1)
    (command,) = update.message.entities
    assert (command.type, command.offset, command.length) == ("bot_command", 3, 15)
    assert update.message.parse_entity(command) == "/help@linli_bot"


async def test_stickers_voice_documents_and_locations_parse_in_ptb(
    server: BotApiServer, bot: Bot
) -> None:
    server.send_sticker(RESIDENT)
    server.send_voice(RESIDENT, duration=4)
    server.send_document(RESIDENT, b"%PDF-1.4", "申请表.pdf", caption="材料")
    server.send_location(RESIDENT, 31.23, 121.47)
    updates = await bot.get_updates(timeout=1)
    sticker, voice, document, location = (u.message for u in updates)
    assert sticker.sticker.emoji == "👍" and seconds(voice.voice.duration) == 4
    assert document.document.file_name == "申请表.pdf" and document.caption == "材料"
    assert location.location.latitude == 31.23
    stored = await document.document.get_file()
    assert bytes(await stored.download_as_bytearray()) == b"%PDF-1.4"


async def test_button_press_reaches_the_bot_and_its_answer_is_recorded(
    server: BotApiServer, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("繁體", callback_data="lang:hant")]])
    await bot.send_message(RESIDENT, "选择语言", reply_markup=keyboard)
    query = server.press_button(RESIDENT, server.last_message(RESIDENT), label="繁體")
    (update,) = await bot.get_updates(timeout=1)
    assert update.callback_query.data == "lang:hant"
    assert update.callback_query.message.text == "选择语言"
    await update.callback_query.answer("已切换")
    assert server.callback_answer(query) == {"text": "已切换"}

    with pytest.raises(ValueError, match="no such button"):
        server.press_button(RESIDENT, server.last_message(RESIDENT), "lang:en")


async def test_edits_apply_and_unchanged_edit_is_refused(server: BotApiServer, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👎", callback_data="fb:1:down")]])
    sent = await bot.send_message(RESIDENT, "答复", reply_markup=keyboard)
    await bot.edit_message_reply_markup(RESIDENT, sent.message_id, reply_markup=None)
    await bot.edit_message_text("答复（已评价）", RESIDENT, sent.message_id)
    (seen,) = server.sent_to(RESIDENT)
    assert seen["text"] == "答复（已评价）" and "reply_markup" not in seen
    with pytest.raises(tg_error.BadRequest, match="not modified"):
        await bot.edit_message_text("答复（已评价）", RESIDENT, sent.message_id)
    await bot.delete_message(RESIDENT, sent.message_id)
    assert server.sent_to(RESIDENT) == []


async def test_telegram_limits_on_text_and_callback_data(bot: Bot) -> None:
    with pytest.raises(tg_error.BadRequest, match="too long"):
        await bot.send_message(RESIDENT, "长" * 4097)
    with pytest.raises(tg_error.BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(RESIDENT, "<b>unclosed", parse_mode="HTML")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="低保" * 11)]])
    with pytest.raises(tg_error.BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(RESIDENT, "ok", reply_markup=too_long)
    with pytest.raises(tg_error.BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "nobody")


async def test_photo_from_a_resident_downloads_through_get_file(
    server: BotApiServer, bot: Bot
) -> None:
    server.send_photo(RESIDENT, caption="楼道堆物")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message.caption == "楼道堆物"
    telegram_file = await update.message.photo[-1].get_file()
    assert telegram_file.file_path.startswith(server.base_file_url)
    assert bytes(await telegram_file.download_as_bytearray()) == TINY_PNG


async def test_bot_uploads_photo_and_media_group(server: BotApiServer, bot: Bot) -> None:
    photo = await bot.send_photo(RESIDENT, TINY_PNG, caption="现场照片")
    assert photo.caption == "现场照片"
    stored = await bot.get_file(photo.photo[-1].file_id)
    assert bytes(await stored.download_as_bytearray()) == TINY_PNG
    album = await bot.send_media_group(
        RESIDENT, [InputMediaPhoto(TINY_PNG), InputMediaPhoto(photo.photo[-1].file_id)]
    )
    assert len({m.media_group_id for m in album}) == 1
    assert len(server.sent_to(RESIDENT)) == 3


async def test_commands_are_stored_per_language_and_scope(server: BotApiServer, bot: Bot) -> None:
    await bot.set_my_commands([("start", "开始"), ("help", "帮助")])
    await bot.set_my_commands([("start", "Start")], language_code="en")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert server.commands("en") == [{"command": "start", "description": "Start"}]


async def test_injected_429_raises_retry_after_with_its_delay(
    server: BotApiServer, bot: Bot
) -> None:
    server.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(tg_error.RetryAfter) as caught:
        await bot.send_message(RESIDENT, "通知")
    assert retry_after_of(caught.value) == 7
    await bot.send_message(RESIDENT, "通知")  # only the next call failed
    assert [c.ok for c in server.calls("sendMessage")] == [False, True]


async def test_blocked_resident_gives_forbidden(server: BotApiServer, bot: Bot) -> None:
    server.fail_next("sendMessage", 403, chat_id=RESIDENT)
    with pytest.raises(tg_error.Forbidden, match="blocked"):
        await bot.send_message(RESIDENT, "通知")
    server.block(RESIDENT)
    with pytest.raises(tg_error.Forbidden):
        await bot.send_message(RESIDENT, "通知")


async def test_upgraded_group_gives_chat_migrated(server: BotApiServer, bot: Bot) -> None:
    old = server.group(-4567, "工单群")
    server.migrate_group(old, STAFF_GROUP)
    with pytest.raises(tg_error.ChatMigrated) as caught:
        await bot.send_message(-4567, "新工单")
    assert caught.value.new_chat_id == STAFF_GROUP
    sent = await bot.send_message(STAFF_GROUP, "新工单")
    assert sent.chat.type == "supergroup"


async def test_server_errors_and_unknown_methods(server: BotApiServer, bot: Bot) -> None:
    server.fail_next("*", 502)
    with pytest.raises(tg_error.NetworkError):
        await bot.send_chat_action(RESIDENT, "typing")
    with pytest.raises(tg_error.EndPointNotFound):
        await bot.do_api_request("sendTeleportation")
    assert server.calls()[-1].error == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


async def test_flood_limits_answer_429_and_count_violations(server: BotApiServer, bot: Bot) -> None:
    server.group(STAFF_GROUP, "社区工作群")
    server.enforce_flood_limits(FloodLimits(group=Limit(2, 60.0)))
    await bot.send_message(RESIDENT, "第一条")
    with pytest.raises(tg_error.RetryAfter) as caught:
        await bot.send_message(RESIDENT, "第二条")
    assert retry_after_of(caught.value) == 1
    await bot.send_message(STAFF_GROUP, "1")
    await bot.send_message(STAFF_GROUP, "2")
    with pytest.raises(tg_error.RetryAfter) as caught:
        await bot.send_message(STAFF_GROUP, "3")
    assert retry_after_of(caught.value) == 60
    assert [(v.scope, v.chat_id) for v in server.flood_violations] == [
        ("private_chat", RESIDENT),
        ("group", STAFF_GROUP),
    ]


async def test_forum_topics(server: BotApiServer, bot: Bot) -> None:
    server.group(STAFF_GROUP, "工单", is_forum=True)
    topic = await bot.create_forum_topic(STAFF_GROUP, "工单 #12")
    sent = await bot.send_message(STAFF_GROUP, "详情", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message


async def test_real_application_round_trip_with_waits_and_latency(server: BotApiServer) -> None:
    async def start(update: Update, context: Context) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("菜单", callback_data="menu")]])
        await update.effective_message.reply_text("欢迎使用邻里", reply_markup=keyboard)

    async def menu(update: Update, context: Context) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("分类：低保、养老")

    app = application_builder(server).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(menu))
    outgoing = server.subscribe()
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=10)
        update = server.send_text(RESIDENT, "/start")
        (welcome,) = await server.wait_for_message(RESIDENT)
        assert welcome["text"] == "欢迎使用邻里"
        server.press_button(RESIDENT, welcome, "menu")
        await server.wait_for_call("editMessageText", RESIDENT)
        await app.updater.stop()
        await app.stop()

    assert server.last_message(RESIDENT)["text"] == "分类：低保、养老"
    first = outgoing.get_nowait()
    while first.method != "sendMessage":
        first = outgoing.get_nowait()
    assert first.result["text"] == "欢迎使用邻里"
    latency = server.reply_latency(update)
    assert server.reply_latencies() == {server.updates[0]["update_id"]: latency}
    assert latency is not None and latency > 0
    with pytest.raises(TimeoutError):
        await server.wait_for_message(RESIDENT, count=5, timeout=0.05)
