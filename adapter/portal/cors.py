"""CORS for the portal frontends named in config, and for nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
_HEADERS = "Authorization, Content-Type, If-None-Match, X-Correlation-Id"


def cors_middleware(origins: list[str]) -> Middleware:
    allowed = frozenset(origins)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        portal = request.path.startswith("/portal/")
        if request.method == "OPTIONS" and portal and "Access-Control-Request-Method" in request.headers:
            if origin not in allowed:
                return web.Response(status=403, text="origin not allowed")
            return web.Response(status=204, headers=_allow(origin, preflight=True))
        response = await handler(request)
        if portal and origin in allowed:
            response.headers.update(_allow(origin, preflight=False))
        return response

    return middleware


def _allow(origin: str, *, preflight: bool) -> dict[str, str]:
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
               "Access-Control-Expose-Headers": "ETag, X-Correlation-Id, Content-Disposition"}
    if preflight:
        headers.update({"Access-Control-Allow-Methods": _METHODS,
                        "Access-Control-Allow-Headers": _HEADERS, "Access-Control-Max-Age": "600"})
    return headers
