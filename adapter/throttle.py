"""Rate limits with back-off: failed authentication on every channel, and portal writes.

A guesser used to get 300 wrong operator tokens answered at full speed and the right one
after them. Now each failed authentication (an HTTP Basic credential on the insurer's
channels, the operator token, a portal token) counts against the client's address on
that channel, in tiers (``10/minute;50/hour;200/day`` by default); while a tier is spent,
every attempt of that client on that channel is answered 429 with ``Retry-After``, the
right credential too, and each wider tier spent makes the wait longer. A request that
presents no credential at all is a plain 401 and counts nothing. Portal writes count per
enterprise user, so one user's script cannot fill the hub's queue for everyone.

The counters live in a ``limits`` storage: in the process by default, in Redis when
several hub processes must share them. A storage that fails lets requests through and
says so in the log: the limits protect the hub, they must never take it down.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from adapter.config import RateLimitSettings
from adapter.domain.errors import AuthenticationThrottled, TooManyRequests, WritesThrottled
from adapter.inbound.soap import CONTENT_TYPES, SOAP_PATH, refusal_fault, soap_version
from adapter.portal.errors import json_error
from adapter.portal.identity import IDENTITY, PUBLIC_PREFIXES

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A Redis that does not answer must not hold a request longer than this.
REDIS_TIMEOUT_SECONDS = 0.5
# A client found clear may go on without asking the storage again for this long, unless it
# fails meanwhile: the hot path of a partner's documents is a dict lookup, and a lockout
# counted by another hub process takes effect here within this time.
CLEAR_SECONDS = 1.0
MAX_REMEMBERED_CLIENTS = 10_000


def _storage(settings: RateLimitSettings) -> Storage:
    uri = settings.storage.removeprefix("async+")
    if uri.startswith("memory"):
        return MemoryStorage(wrap_exceptions=True)
    return RedisStorage(f"async+{uri}", implementation="redispy", wrap_exceptions=True,
                        key_prefix=settings.key_prefix, socket_timeout=REDIS_TIMEOUT_SECONDS,
                        socket_connect_timeout=REDIS_TIMEOUT_SECONDS)


class Throttle:
    """The hub's rate limits over one storage."""

    def __init__(self, settings: RateLimitSettings) -> None:
        self._storage = _storage(settings)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._prefix = settings.key_prefix
        self._failures = parse_many(settings.failed_authentication)
        self._writes = parse_many(settings.portal_writes)
        self._clear_until: dict[tuple[str, str], float] = {}

    async def wait_after_failures(self, channel: str, client: str) -> float | None:
        """Seconds this client must wait on this channel, or None when it may try."""
        now = time.monotonic()
        if self._clear_until.get((channel, client), 0.0) > now:
            return None
        try:
            for item in self._failures:
                if not await self._limiter.test(item, self._prefix, "auth", channel, client):
                    return await self._retry_after(item, "auth", channel, client)
        except StorageError as exc:
            log.warning("rate limit storage failed, request let through: %s", exc)
        if len(self._clear_until) > MAX_REMEMBERED_CLIENTS:
            self._clear_until.clear()
        self._clear_until[(channel, client)] = now + CLEAR_SECONDS
        return None

    async def failed(self, channel: str, client: str) -> None:
        """Count one failed authentication in every tier."""
        self._clear_until.pop((channel, client), None)
        try:
            for item in self._failures:
                await self._limiter.hit(item, self._prefix, "auth", channel, client)
        except StorageError as exc:
            log.warning("rate limit storage failed, failure not counted: %s", exc)

    async def wait_before_write(self, user: str) -> float | None:
        """Count one write of this user; seconds to wait when a tier is spent, else None."""
        try:
            for item in self._writes:
                if not await self._limiter.hit(item, self._prefix, "write", user):
                    return await self._retry_after(item, "write", user)
        except StorageError as exc:
            log.warning("rate limit storage failed, write let through: %s", exc)
        return None

    async def _retry_after(self, item: RateLimitItem, *key: str) -> float:
        stats = await self._limiter.get_window_stats(item, self._prefix, *key)
        return max(1.0, stats.reset_time - time.time())

    async def close(self) -> None:
        """Stop the memory storage's expiry task or close the Redis connections."""
        timer = getattr(self._storage, "timer", None)
        if timer is not None:
            timer.cancel()
        bridge = getattr(self._storage, "bridge", None)
        if bridge is not None:
            await bridge.get_connection().aclose()


def _channel(request: web.Request) -> str | None:
    """Which credential the path asks for, when the request presents one at all."""
    if not request.headers.get("Authorization", "").strip():
        return None
    path = request.path
    if path.startswith("/insurer/"):
        return "basic"
    if path.startswith("/ops/"):
        return "operator"
    if path.startswith("/portal/") and not path.startswith(PUBLIC_PREFIXES):
        return "portal"
    return None


def too_many(request: web.Request, error: TooManyRequests, wait: float) -> web.Response:
    """429 with ``Retry-After``: a SOAP fault to a SOAP caller, the one JSON error shape to
    everyone else."""
    if request.path == SOAP_PATH:
        ns = soap_version(request.content_type)
        response = web.Response(body=refusal_fault(ns, error.code, error.message_zh), status=429,
                                content_type=CONTENT_TYPES[ns], charset="utf-8")
    else:
        response = json_error(429, error.code, error.message_zh)
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


def failed_authentication_middleware(throttle: Throttle) -> Middleware:
    """Outside the error middleware, so it sees every 401 as the answer it became."""
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        channel = _channel(request)
        if channel is None:
            return await handler(request)
        client = request.remote or "unknown"
        wait = await throttle.wait_after_failures(channel, client)
        if wait is not None:
            return too_many(request, AuthenticationThrottled(f"{channel} from {client}"), wait)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status == 401:
                await throttle.failed(channel, client)
            raise
        if response.status == 401:
            await throttle.failed(channel, client)
        return response
    return middleware


def portal_writes_middleware(throttle: Throttle) -> Middleware:
    """Inside the identity middleware, so a write is counted for the user who made it."""
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        identity = request.get(IDENTITY)
        if identity is not None and request.method in WRITE_METHODS:
            wait = await throttle.wait_before_write(f"{identity.uscc}:{identity.user_id}")
            if wait is not None:
                return too_many(request, WritesThrottled(identity.uscc), wait)
        return await handler(request)
    return middleware
