"""PTB's network layer over aiohttp instead of httpx.

Under load, httpx/httpcore spent a quarter of the bot's time per request on anyio cancel
scopes and connection health checks (getpeername, a readable-socket poll) — py-spy on
benchmarks/bench_updates.py. aiohttp, already a dependency, does the same work for less.
The Bot API contract is unchanged: form fields JSON-encoded by PTB, multipart for files.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT_S = 5.0
MEDIA_WRITE_TIMEOUT_S = 20.0


class AiohttpRequest(BaseRequest):
    """A BaseRequest on one aiohttp ClientSession with a bounded connection pool."""

    __slots__ = ("_connections", "_read_timeout", "_session")

    def __init__(self, connections: int = 16, read_timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        has_files = bool(request_data and request_data.contains_files)
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = MEDIA_WRITE_TIMEOUT_S if has_files else DEFAULT_TIMEOUT_S
        if not isinstance(write_timeout, DefaultValue) and write_timeout is not None:
            write = write_timeout
        # aiohttp has one deadline per request: what PTB splits into write and read.
        total = None if read is None else read + write
        timeout = aiohttp.ClientTimeout(total=total, connect=_value(connect_timeout))
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _value(timeout: ODVInput[float]) -> float | None:
    return DEFAULT_TIMEOUT_S if isinstance(timeout, DefaultValue) else timeout


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields as PTB encoded them; files as multipart parts."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData(quote_fields=False)  # UTF-8 file names as they are, like httpx
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
