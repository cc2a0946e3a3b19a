"""The webhook's small HTTP client against raw servers that answer in each way HTTP allows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot_api_emulator.poster import JsonPoster, PostError

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """Counts connections and requests; ``answer`` writes each response."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.heads: list[bytes] = []
        self.bodies: list[bytes] = []
        self.url = ""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                self.bodies.append(await reader.readexactly(length))
                await self.answer(reader, writer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


StartServer = Callable[[Answer], Awaitable[RawServer]]


@pytest.fixture
async def raw_server() -> AsyncIterator[StartServer]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> RawServer:
        raw = RawServer(answer)
        server = await asyncio.start_server(raw.serve, "127.0.0.1", 0)
        servers.append(server)
        raw.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
        return raw

    yield start
    for server in servers:
        server.close()


def respond(head: bytes, body: bytes = b"") -> Answer:
    async def answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(head + b"\r\n\r\n" + body)

    return answer


async def test_posts_share_one_kept_alive_connection_and_report_the_status(
    raw_server: StartServer,
) -> None:
    server = await raw_server(respond(b"HTTP/1.1 200 OK\r\nContent-Length: 2", b"ok"))
    poster = JsonPoster(timeout=5)
    statuses = [await poster.post(server.url, b'{"update_id": %d}' % i, {}) for i in range(3)]
    await poster.close()
    assert statuses == [200, 200, 200]
    assert server.connections == 1
    assert server.bodies == [b'{"update_id": 0}', b'{"update_id": 1}', b'{"update_id": 2}']


async def test_a_chunked_answer_is_read_whole_and_the_connection_kept(
    raw_server: StartServer,
) -> None:
    chunked = respond(
        b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked", b"3\r\nabc\r\n0\r\n\r\n"
    )
    server = await raw_server(chunked)
    poster = JsonPoster(timeout=5)
    assert [await poster.post(server.url, b"{}", {}) for _ in range(2)] == [403, 403]
    await poster.close()
    assert server.connections == 1


async def test_connection_close_opens_a_new_connection_for_the_next_post(
    raw_server: StartServer,
) -> None:
    server = await raw_server(respond(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0"))
    poster = JsonPoster(timeout=5)
    assert [await poster.post(server.url, b"{}", {}) for _ in range(2)] == [200, 200]
    await poster.close()
    assert server.connections == 2


async def test_a_kept_connection_the_server_dropped_is_replaced_once(
    raw_server: StartServer,
) -> None:
    async def answer_then_hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()  # a keep-alive timeout on the server's side

    server = await raw_server(answer_then_hang_up)
    poster = JsonPoster(timeout=5)
    assert await poster.post(server.url, b"{}", {}) == 200
    await asyncio.sleep(0.05)
    assert await poster.post(server.url, b"{}", {}) == 200
    await poster.close()
    assert server.connections == 2 and len(server.bodies) == 2


async def test_headers_are_sent_and_garbage_or_silence_is_an_error(
    raw_server: StartServer,
) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SMTP ready\r\n\r\n")

    server = await raw_server(garbage)
    poster = JsonPoster(timeout=5)
    with pytest.raises(PostError):
        await poster.post(server.url, b"{}", {"X-Telegram-Bot-Api-Secret-Token": "s3"})
    assert b"\r\nX-Telegram-Bot-Api-Secret-Token: s3\r\n" in server.heads[0]
    assert b"\r\nContent-Type: application/json\r\n" in server.heads[0]

    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    silent = await raw_server(hang_up)
    with pytest.raises(OSError):
        await poster.post(silent.url, b"{}", {})
    slow = JsonPoster(timeout=0.2)

    async def never(_: asyncio.StreamReader, __: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    stuck = await raw_server(never)
    with pytest.raises(TimeoutError):
        await slow.post(stuck.url, b"{}", {})
    await poster.close()
    await slow.close()
