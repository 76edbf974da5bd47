"""How the hub listens: no client may hold a connection for nothing, nor take them all.

aiohttp on its own waits an hour for a request head and as long as a body takes, and
accepts connections until the process runs out of file descriptors (then every accept
fails and logs a traceback, and nobody is answered). Three bounds, from ``http`` in the
settings:

- the request head: aiohttp's keep-alive timer also runs while a connection waits for its
  first (or next) head, so setting it to ``header_timeout_seconds`` closes a half-sent
  head after that long, and an idle kept-alive connection too;
- the body: :func:`body_deadline_middleware` gives a body ``body_timeout_seconds`` from the
  moment its head arrived; a reader still waiting then gets :class:`BodyTimedOut`, the
  request is answered 408 (the insurer's channels record it as an incomplete document)
  and the connection is closed. An upload (``multipart/form-data``: a claim's attachment,
  the shipment template) gets on top the time its declared length takes at
  ``upload_min_bytes_per_second``, so a 4 MB file on a slow office line is not cut at 30 s
  while a trickle still is;
- the connections: :class:`CappedSite` answers a connection beyond ``max_connections``
  with a 503 in the one error shape and closes it, before any file-descriptor trouble.
"""

from __future__ import annotations

import asyncio
import json
import resource
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from aiohttp.web_protocol import RequestPayloadError

from adapter.config import HttpSettings, Settings
from adapter.domain.errors import BodyTimeout, TooManyConnections
from adapter.portal.errors import json_error
from adapter.portal.security_headers import _ALWAYS as SECURITY_HEADERS
from adapter.portal.security_headers import SERVER_NAME

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# File descriptors kept free for what the hub opens itself: database connections, the
# outbound client's connections, log files, the PDF fonts.
RESERVED_DESCRIPTORS = 128
MAX_DERIVED_CONNECTIONS = 10_000
# Connections the kernel may queue before accept(): past it a client's SYN waits a second.
BACKLOG = 1024


class BodyTimedOut(RequestPayloadError, TimeoutError):
    """Set on a body that missed its deadline. A payload error, so the inbound edge keeps
    what came as an incomplete document; a timeout, so aiohttp's lingering read after the
    answer ends quietly and closes the connection."""


def server_options(settings: Settings, *, lingering_seconds: float) -> dict[str, Any]:
    """The ``handler_args`` of the application: aiohttp's per-connection timers."""
    return {"keepalive_timeout": settings.http.header_timeout_seconds,
            "lingering_time": lingering_seconds}


def connection_cap(settings: Settings) -> int:
    """``max_connections``, or what the open-file limit leaves after the hub's own files."""
    if settings.http.max_connections:
        return settings.http.max_connections
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_DERIVED_CONNECTIONS
    spare = soft - RESERVED_DESCRIPTORS - settings.database_pool_size
    return max(16, min(MAX_DERIVED_CONNECTIONS, spare))


# Of a declared upload length, at most this much earns extra time: a larger Content-Length
# is refused by the upload route at once anyway, and must not buy a longer hold.
UPLOAD_BYTES_COUNTED = 8 * 1024 * 1024


def body_deadline(http: HttpSettings, content_type: str, content_length: int | None) -> float:
    """Seconds a body may take from its head: the timeout, plus an upload's transfer time."""
    if content_type != "multipart/form-data" or not content_length:
        return http.body_timeout_seconds
    counted = min(content_length, UPLOAD_BYTES_COUNTED)
    return http.body_timeout_seconds + counted / http.upload_min_bytes_per_second


def body_deadline_middleware(http: HttpSettings) -> Middleware:
    """Inside the error middleware: a body past its deadline is a 408, never a 500."""
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        payload = request.content
        if not request.body_exists or payload.is_eof():
            return await handler(request)
        seconds = body_deadline(http, request.content_type, request.content_length)
        timer = asyncio.get_running_loop().call_later(
            seconds, _expire, payload, seconds)
        try:
            return await handler(request)
        except BodyTimedOut:
            response = json_error(408, BodyTimeout.code, BodyTimeout.message_zh, "$")
            response.force_close()
            return response
        finally:
            timer.cancel()
    return middleware


def _expire(payload: Any, seconds: float) -> None:
    if not payload.is_eof():
        payload.set_exception(BodyTimedOut(f"body not received within {seconds:g} s"))


def _busy_answer() -> bytes:
    body = json.dumps({"errors": [{"code": TooManyConnections.code,
                                   "message": TooManyConnections.message_zh}]},
                      ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body)),
               "Retry-After": "1", "Connection": "close", "Server": SERVER_NAME,
               **SECURITY_HEADERS}
    head = "HTTP/1.1 503 Service Unavailable\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    return head.encode() + body


class _Busy(asyncio.Protocol):
    """A connection beyond the cap: answered at once, then closed; nothing is read."""

    answer = _busy_answer()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(self.answer)
        transport.close()


class CappedSite(web.TCPSite):
    """A TCP site that admits at most ``max_connections`` connections at once."""

    __slots__ = ("_cap",)

    def __init__(self, runner: web.BaseRunner, host: str, port: int, *,
                 max_connections: int) -> None:
        super().__init__(runner, host, port, backlog=BACKLOG)
        self._cap = max_connections

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        server = self._runner.server
        assert isinstance(server, web.Server)
        cap = self._cap

        def admit() -> asyncio.BaseProtocol:
            if len(server.connections) >= cap:
                return _Busy()
            return server()

        self._server = await asyncio.get_running_loop().create_server(
            admit, self._host, self._port, backlog=self._backlog)
        self._bound_port = self._server.sockets[0].getsockname()[1]


def hub_site(runner: web.BaseRunner, settings: Settings, *, host: str | None = None,
             port: int | None = None) -> CappedSite:
    """The site ``serve`` listens on (tests pass port 0)."""
    return CappedSite(runner, settings.host if host is None else host,
                      settings.port if port is None else port,
                      max_connections=connection_cap(settings))
