"""How linli talks HTTP to the Bot API: PTB's ``BaseRequest`` on aiohttp (the default) or
PTB's own ``HTTPXRequest`` (``LINLI_TRANSPORT=httpx``).

py-spy on benchmarks/bench_updates.py had about two thirds of linli's time per update in
PTB's request plumbing over httpx (httpcore re-checks every pooled socket on every request,
encode/httpcore#928). ``AiohttpRequest`` keeps HTTPXRequest's behaviour (its bodies are JSON
rather than url-encoded forms, which Telegram takes alike): the same default
timeouts (media uploads get their own write timeout), the same pool timeout and its
message, a proxy URL (or HTTPS_PROXY / ALL_PROXY from the environment, as httpx reads them),
multipart uploads of ``InputFile``s, and network and timeout errors raised as PTB's
``NetworkError`` / ``TimedOut``. Status codes become ``RetryAfter``, ``Forbidden``,
``BadRequest`` … in ``BaseRequest`` itself, for both transports alike.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

Transport = Literal["aiohttp", "httpx"]
TRANSPORTS: tuple[Transport, ...] = ("aiohttp", "httpx")
# What one Bot API call ended in: "ok", an HTTP status ("429", "403", "5xx" …), "timeout"
# or "network_error". Observers (metrics, readiness) get the method name, this and seconds.
Observer = Callable[[str, str, float], None]

_JSON = {"Content-Type": "application/json"}
POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
)


def check_proxy_url(proxy: str, transport: Transport) -> str:
    """The proxy URL, or ValueError saying why this transport cannot use it."""
    scheme = urlsplit(proxy).scheme.lower()
    if scheme in ("http", "https"):
        return proxy
    if scheme.startswith("socks") and transport == "httpx":
        return proxy  # needs python-telegram-bot[socks]; HTTPXRequest says so if missing
    if scheme.startswith("socks"):
        raise ValueError("socks proxies need LINLI_TRANSPORT=httpx (python-telegram-bot[socks])")
    raise ValueError("must be an http://, https:// or (with httpx) socks5:// URL")


class AiohttpRequest(BaseRequest):
    """PTB's BaseRequest on one ``aiohttp.ClientSession``; see the module docstring.

    aiohttp has no per-write timeout: a POST must finish within connect + write + read
    timeouts (when all three are set), which bounds a stalled upload the way httpx's write
    timeout does; reads time out after ``read_timeout`` without data, as with httpx.
    """

    __slots__ = (
        "_connect_timeout",
        "_env_proxies",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        proxy: str | None = None,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = None if proxy is None else check_proxy_url(proxy, "aiohttp")
        self._session: aiohttp.ClientSession | None = None
        self._pool: asyncio.Semaphore | None = None
        self._env_proxies: dict[str, str | None] = {}  # "scheme://host" → proxy from the env

    @property
    def read_timeout(self) -> float | None:
        """See :attr:`BaseRequest.read_timeout`."""
        return self._read_timeout

    @property
    def proxy(self) -> str | None:
        return self._proxy

    async def initialize(self) -> None:
        """Open the session (its sockets belong to the running event loop)."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
        # Not trust_env: aiohttp would then read ~/.netrc and the environment on every
        # request (py-spy: 3 % of linli's time); _proxy_for reads the environment once.
        self._env_proxies = {}
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=None),
        )
        self._pool = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is None or self._session.closed:
            return
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
        """See :meth:`BaseRequest.do_request`."""
        session, pool = self._session, self._pool
        if session is None or session.closed or pool is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool_wait = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        deadline = None
        if method == "POST" and None not in (connect, write, read):
            deadline = float(connect or 0) + float(write or 0) + float(read or 0)
        body, headers = _body(request_data, files)
        await _acquire(pool, pool_wait)
        try:
            async with asyncio.timeout(deadline):
                async with session.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    timeout=timeout,
                    proxy=self._proxy or self._proxy_for(url),
                ) as response:
                    return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's own timeouts subclass TimeoutError too
            detail = f": {exc}" if str(exc) else ""
            raise TimedOut(_without_url(f"Timed out{detail}", url)) from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(_without_url(f"aiohttp.{type(exc).__name__}: {exc}", url)) from exc
        finally:
            pool.release()

    def _proxy_for(self, url: str) -> str | None:
        """HTTP(S)_PROXY / ALL_PROXY unless NO_PROXY names the host, as httpx reads them;
        decided once per scheme and host."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._env_proxies:
            found = urllib.request.getproxies_environment()
            proxy = found.get(parts.scheme) or found.get("all")
            if proxy and urllib.request.proxy_bypass_environment(parts.hostname or "", found):
                proxy = None
            if proxy and not urlsplit(proxy).scheme.startswith("http"):
                proxy = None  # a socks ALL_PROXY is httpx's business, not aiohttp's
            self._env_proxies[key] = proxy
        return self._env_proxies[key]


async def _acquire(pool: asyncio.Semaphore, pool_timeout: float | None) -> None:
    if not pool.locked() or pool_timeout is None:
        await pool.acquire()
        return
    try:
        async with asyncio.timeout(pool_timeout):
            await pool.acquire()
    except TimeoutError:
        raise TimedOut(POOL_TIMEOUT_MESSAGE) from None


def _body(
    request_data: RequestData | None, files: UploadFileDict | None
) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """The parameters as a JSON body (Telegram takes application/json for every call without
    an upload; url-encoding Chinese text byte by byte cost 5 % of linli's time), or multipart
    with the files, as HTTPXRequest sends them; with the headers that say which."""
    if request_data is None:
        return None, None
    if not files:
        parameters = request_data.parameters
        if not parameters:
            return None, None
        return json.dumps(parameters, ensure_ascii=False).encode(), _JSON
    # Raw UTF-8 names as httpx sends them; quoting would turn 报表.csv into %E6%8A%A5….
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None


def _without_url(message: str, url: str) -> str:
    """Error text without the request URL, which carries the bot's token."""
    parts = urlsplit(url)
    return message.replace(url, f"{parts.scheme}://{parts.netloc}/…")


class ObservedRequest(BaseRequest):
    """Any BaseRequest, each call reported to ``observer`` (metrics, Bot API reachability)."""

    __slots__ = ("inner", "observer")

    def __init__(self, inner: BaseRequest, observer: Observer) -> None:
        self.inner = inner
        self.observer = observer

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

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
        started = time.perf_counter()
        name = api_method(url, method)
        try:
            status, body = await self.inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut:
            self.observer(name, "timeout", time.perf_counter() - started)
            raise
        except Exception:  # NetworkError, or anything else BaseRequest will wrap as one
            self.observer(name, "network_error", time.perf_counter() - started)
            raise
        self.observer(name, outcome_of(status), time.perf_counter() - started)
        return status, body


def api_method(url: str, http_method: str) -> str:
    """The Bot API method of a request URL; "file" for downloads (never the token or path)."""
    if http_method == "GET" and "/file/bot" in url:
        return "file"
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    return name if name.isascii() and name.isalpha() and len(name) <= 40 else "other"


def outcome_of(status: int) -> str:
    if 200 <= status <= 299:
        return "ok"
    if status in (400, 401, 403, 404, 409, 429):
        return str(status)
    return "5xx" if status >= 500 else "other"


def make_request(
    transport: Transport,
    pool_size: int,
    *,
    proxy: str | None = None,
    observer: Observer | None = None,
) -> BaseRequest:
    """A BaseRequest of this transport with PTB's default timeouts, observed if asked."""
    request: BaseRequest
    if transport == "httpx":
        request = HTTPXRequest(connection_pool_size=pool_size, proxy=proxy)
    elif transport == "aiohttp":
        request = AiohttpRequest(connection_pool_size=pool_size, proxy=proxy)
    else:
        raise ValueError(f"unknown transport {transport!r}; one of {', '.join(TRANSPORTS)}")
    return request if observer is None else ObservedRequest(request, observer)


def like(request: BaseRequest, pool_size: int) -> BaseRequest:
    """A new request of the same transport, proxy and observer, with its own pool (the
    delivery worker's bot, which must not share the replies' connections)."""
    if isinstance(request, ObservedRequest):
        return ObservedRequest(like(request.inner, pool_size), request.observer)
    if isinstance(request, AiohttpRequest):
        return AiohttpRequest(connection_pool_size=pool_size, proxy=request.proxy)
    proxy = getattr(request, "_client_kwargs", {}).get("proxy")
    return HTTPXRequest(connection_pool_size=pool_size, proxy=proxy)


def transport_of(request: BaseRequest) -> Transport:
    inner = request.inner if isinstance(request, ObservedRequest) else request
    return "aiohttp" if isinstance(inner, AiohttpRequest) else "httpx"
