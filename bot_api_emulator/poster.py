"""A small HTTP/1.1 client for the webhook's posts: JSON bodies over kept-alive connections.

The emulator stands in for Telegram's servers, which in production run on other machines;
in the benchmarks it shares the cores with the bot under test, so what it spends is taken
from the bot. With aiohttp's client (its request and response objects, cookie jar, tracing
and timeouts) the emulator spent 0.1–0.2 ms more CPU per update in benchmarks/bench_scale.py
than with this, which writes the request and reads the status line, the headers and the
body, and nothing else.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class PostError(ConnectionError):
    """The connection failed or the answer was not HTTP/1.x."""


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class JsonPoster:
    """POSTs JSON to http(s) URLs, keeping connections open for the next post."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._idle: dict[tuple[str, int, bool], list[_Connection]] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST ``body`` as application/json; the status the server answered. PostError (an
        OSError), OSError or TimeoutError when no answer came."""
        parts = urlsplit(url)
        tls = parts.scheme == "https"
        host = parts.hostname or "127.0.0.1"
        key = (host, parts.port or (443 if tls else 80), tls)
        lines = [
            f"POST {parts.path or '/'} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        async with asyncio.timeout(self._timeout):
            idle = self._idle.get(key)
            if idle:
                connection = idle.pop()
                try:
                    return await self._exchange(key, connection, request)
                except PostError:
                    # The server may have closed a kept-alive connection just before this
                    # post reached it: one more try, on a new connection.
                    pass
            reader, writer = await asyncio.open_connection(key[0], key[1], ssl=tls or None)
            return await self._exchange(key, _Connection(reader, writer), request)

    async def close(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    async def _exchange(
        self, key: tuple[str, int, bool], connection: _Connection, request: bytes
    ) -> int:
        reusable = False
        try:
            connection.writer.write(request)
            try:
                head = await connection.reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError as exc:  # past the reader's 64 KiB limit
                raise PostError("the answer's head is too long") from exc
            status, length, keep_alive, chunked = _parse_head(head)
            if chunked:
                await _read_chunked(connection.reader)
            elif length is not None:
                await connection.reader.readexactly(length)
            else:  # the body runs to the end of the connection
                await connection.reader.read()
                keep_alive = False
            reusable = keep_alive
            return status
        except asyncio.IncompleteReadError as exc:
            raise PostError("no answer, or one cut short") from exc
        finally:
            if reusable:
                self._idle.setdefault(key, []).append(connection)
            else:
                connection.close()


def _parse_head(head: bytes) -> tuple[int, int | None, bool, bool]:
    """(status, Content-Length, keep the connection, chunked) from a response's head."""
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
        raise PostError("not an HTTP/1.x answer")
    length: int | None = None
    keep_alive, chunked = version == "HTTP/1.1", False
    for line in header_lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length" and value.isdigit():
            length = int(value)
        elif name == "connection":
            keep_alive = value == "keep-alive" or (keep_alive and value != "close")
        elif name == "transfer-encoding":
            chunked = "chunked" in value
    return int(rest[:3]), length, keep_alive, chunked


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise PostError("a malformed chunk") from None
        if size == 0:
            await reader.readuntil(b"\r\n")  # the end (no trailers expected)
            return
        await reader.readexactly(size + 2)
