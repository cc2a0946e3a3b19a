"""The Bot API transports (bot/transport.py) against the emulator: both behave alike.

Every test runs on aiohttp (the default) and on PTB's own httpx request, so a difference
between them shows up as one failing half of a pair.
"""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession, web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
)
from telegram import error as tg_error

from bot.transport import TRANSPORTS, AiohttpRequest, Transport, api_method, make_request
from tests.fakes.bot_api import TINY_PNG, BotApiServer, button_labels

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
RESIDENT = 42
GROUP = -1001234


def bot_on(
    server: BotApiServer,
    transport: Transport,
    *,
    pool_size: int = 4,
    proxy: str | None = None,
    url: str | None = None,
) -> Bot:
    request = make_request(transport, pool_size, proxy=proxy)
    root = url or server.url
    return Bot(
        server.token,
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=request,
        get_updates_request=make_request(transport, 1, proxy=proxy),
    )


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Transport:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        running.user(RESIDENT, "小王")
        running.group(GROUP, "街道工作群")
        yield running


@pytest.fixture
async def bot(server: BotApiServer, transport: Transport) -> AsyncIterator[Bot]:
    async with bot_on(server, transport) as ptb_bot:
        yield ptb_bot


async def test_a_message_round_trip_keeps_chinese_text_and_buttons(
    server: BotApiServer, bot: Bot
) -> None:
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("👍 有用", callback_data="fb:1:+")]])
    sent = await bot.send_message(RESIDENT, "低保怎么申请？& = + %", reply_markup=buttons)
    assert sent.text == "低保怎么申请？& = + %"
    assert server.calls("sendMessage", RESIDENT)[-1].params["text"] == "低保怎么申请？& = + %"
    assert button_labels(server.sent_to(RESIDENT)[-1]) == ["👍 有用"]


async def test_uploads_arrive_whole_and_download_again(server: BotApiServer, bot: Bot) -> None:
    photo = await bot.send_photo(RESIDENT, InputFile(TINY_PNG, filename="井盖.png"), caption="图")
    document = await bot.send_document(
        RESIDENT, InputFile(io.BytesIO(b"a,b\n1,2\n"), filename="报表.csv"), caption="表"
    )
    album = await bot.send_media_group(
        RESIDENT, [InputMediaPhoto(TINY_PNG), InputMediaPhoto(TINY_PNG + b"2")]
    )
    assert photo.caption == "图" and document.caption == "表" and len(album) == 2
    assert document.document is not None and document.document.file_name == "报表.csv"
    photo_file = await bot.get_file(photo.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == TINY_PNG
    document_file = await bot.get_file(document.document.file_id)
    assert bytes(await document_file.download_as_bytearray()) == b"a,b\n1,2\n"
    second = await bot.get_file(album[1].photo[-1].file_id)
    assert bytes(await second.download_as_bytearray()) == TINY_PNG + b"2"


async def test_flood_wait_is_retry_after(server: BotApiServer, bot: Bot) -> None:
    server.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(tg_error.RetryAfter) as caught:
        await bot.send_message(RESIDENT, "hi")
    assert caught.value.retry_after in (7, 7.0) or caught.value.retry_after.total_seconds() == 7


async def test_blocked_resident_is_forbidden(server: BotApiServer, bot: Bot) -> None:
    server.fail_next("sendMessage", 403)
    with pytest.raises(tg_error.Forbidden, match="blocked"):
        await bot.send_message(RESIDENT, "hi")


async def test_refused_request_is_bad_request(server: BotApiServer, bot: Bot) -> None:
    server.fail_next("sendMessage", 400, "Bad Request: message text is empty")
    with pytest.raises(tg_error.BadRequest, match="text is empty"):
        await bot.send_message(RESIDENT, "hi")


@pytest.mark.parametrize("code", [500, 502, 503])
async def test_server_errors_are_network_errors_not_bad_requests(
    server: BotApiServer, bot: Bot, code: int
) -> None:
    server.fail_next("sendMessage", code)
    with pytest.raises(tg_error.NetworkError) as caught:
        await bot.send_message(RESIDENT, "hi")
    assert not isinstance(caught.value, tg_error.BadRequest | tg_error.TimedOut)


async def test_migrated_group_is_chat_migrated(server: BotApiServer, bot: Bot) -> None:
    server.fail_next("sendMessage", 400, "Bad Request: group upgraded", migrate_to_chat_id=-1009)
    with pytest.raises(tg_error.ChatMigrated) as caught:
        await bot.send_message(GROUP, "hi")
    assert caught.value.new_chat_id == -1009


async def test_wrong_token_is_invalid_token(server: BotApiServer, transport: Transport) -> None:
    wrong = Bot(
        "1:WRONG",
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=make_request(transport, 2),
    )
    with pytest.raises(tg_error.InvalidToken):
        async with wrong:
            pass


async def test_a_slow_answer_is_timed_out(server: BotApiServer, bot: Bot) -> None:
    server.stall_next("sendMessage", 2.0)
    with pytest.raises(tg_error.TimedOut):
        await bot.send_message(RESIDENT, "hi", read_timeout=0.3)
    # The connection pool is usable afterwards.
    assert (await bot.send_message(RESIDENT, "again")).text == "again"


async def test_a_dropped_connection_is_a_network_error_without_the_token(
    server: BotApiServer, bot: Bot
) -> None:
    server.drop_next("sendMessage")
    with pytest.raises(tg_error.NetworkError) as caught:
        await bot.send_message(RESIDENT, "hi")
    assert not isinstance(caught.value, tg_error.TimedOut | tg_error.BadRequest)
    assert server.token not in str(caught.value)
    assert server.token.split(":")[1] not in repr(caught.value)


async def test_nobody_listening_is_a_network_error(transport: Transport) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nobody = f"http://127.0.0.1:{port}"
    request = make_request(transport, 1)
    await request.initialize()
    try:
        with pytest.raises(tg_error.NetworkError) as caught:
            await request.post(f"{nobody}/bot1:SECRET/getMe")
        assert "SECRET" not in str(caught.value)
    finally:
        await request.shutdown()


async def test_a_full_pool_is_a_pool_timeout(server: BotApiServer, transport: Transport) -> None:
    async with bot_on(server, transport, pool_size=1) as bot:
        server.stall_next("sendMessage", 1.0)
        first = asyncio.create_task(bot.send_message(RESIDENT, "slow"))
        await asyncio.sleep(0.2)
        with pytest.raises(tg_error.TimedOut, match="Pool timeout"):
            await bot.send_message(RESIDENT, "waits", pool_timeout=0.1)
        with pytest.raises(tg_error.NetworkError):
            await first  # the stalled call ends in the emulator's late 502


@pytest.mark.parametrize("configured", ["setting", "environment"])
async def test_calls_go_through_the_configured_proxy(
    server: BotApiServer, transport: Transport, configured: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def forward(request: web.Request) -> web.Response:
        seen.append(request.path.rsplit("/", 1)[-1])
        async with (
            ClientSession() as client,
            client.request(
                request.method,
                f"{server.url}{request.rel_url}",
                data=await request.read(),
                headers={"Content-Type": request.headers.get("Content-Type", "")},
            ) as answer,
        ):
            return web.Response(
                body=await answer.read(), status=answer.status, content_type="application/json"
            )

    proxy = web.Application()
    proxy.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(proxy)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        proxy_url = f"http://127.0.0.1:{port}"
        if configured == "environment":  # HTTP_PROXY, as httpx reads it
            for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
                monkeypatch.delenv(name, raising=False)
            monkeypatch.setenv("HTTP_PROXY", proxy_url)
        setting = proxy_url if configured == "setting" else None
        # The Bot API's host is one that does not resolve: only the proxy can reach it.
        async with bot_on(server, transport, proxy=setting, url="http://bot-api.invalid") as bot:
            sent = await bot.send_message(RESIDENT, "经代理")
    finally:
        await runner.cleanup()
    assert sent.text == "经代理"
    assert seen == ["getMe", "sendMessage"]


def test_aiohttp_refuses_a_socks_proxy_and_names_the_way_out() -> None:
    with pytest.raises(ValueError, match="LINLI_TRANSPORT=httpx"):
        AiohttpRequest(proxy="socks5://127.0.0.1:1080")


def test_metrics_name_the_method_never_the_token_or_a_file_path() -> None:
    assert api_method("https://api.telegram.org/bot1:SECRET/sendMessage", "POST") == "sendMessage"
    assert api_method("https://api.telegram.org/file/bot1:SECRET/photos/f.jpg", "GET") == "file"
    assert api_method("https://api.telegram.org/bot1:SECRET/send%20x", "POST") == "other"
