"""Headers every answer carries: no sniffing, no framing, no referrer, no version banner.

Added when a response is prepared, so errors and aiohttp's own refusals carry them too.
Portal answers vary by ``Origin`` always (a shared cache must not hand one origin's CORS
answer to another) and are ``no-store`` unless the route chose otherwise, as the public
code lists do: they hold an enterprise's own data.
"""

from __future__ import annotations

from aiohttp import web

_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
# aiohttp would announce its own and Python's versions here.
SERVER_NAME = "sw-credit-hub"


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    for name, value in _ALWAYS.items():
        headers.setdefault(name, value)
    headers["Server"] = SERVER_NAME
    if request.path.startswith("/portal/"):
        vary = [part.strip() for part in headers.get("Vary", "").split(",") if part.strip()]
        if "origin" not in {part.lower() for part in vary}:
            headers["Vary"] = ", ".join([*vary, "Origin"])
        headers.setdefault("Cache-Control", "no-store")
