"""The built portal UI (``portal_ui/dist``) served at ``/`` and ``/ops/`` on the hub's own origin.

The UI calls only the public JSON API, so it needs no server of its own: every GET that no
route answers and that is no API path is a file of the build or, for the single-page app's
own paths (``/agreements``, ``/ops/``), its ``index.html``. The hub starts without a build
too: it then answers a small page saying how to make one, and the API works as before.
Hashed assets are cached for a year; ``index.html`` is revalidated so a new build shows at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

from adapter.config import REPO_ROOT

UI_DIST = REPO_ROOT / "portal_ui" / "dist"
# Paths that belong to the API: their 404 stays the JSON error, never the app's page.
_API_PREFIXES = ("/portal/", "/ops/v1", "/insurer/", "/health/", "/metrics", "/xsd/",
                 "/openapi.json", "/docs", "/demo/v1")
_IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = ("<!doctype html><html lang=zh-CN><meta charset=utf-8><title>门户界面尚未构建</title>"
             "<h1>门户界面尚未构建 (portal UI not built)</h1>"
             "<p>Build it with <code>make ui</code> (npm ci + vite build into "
             "<code>portal_ui/dist</code>); <code>make demo</code> does it too. "
             "The JSON API is served meanwhile: <a href=/docs>/docs</a>, "
             "<a href=/openapi.json>/openapi.json</a>.</p></html>")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ui_middleware(dist: Path = UI_DIST) -> Middleware:
    """Innermost: only what the router did not find becomes a UI file or the app's page."""
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound:
            if request.method not in ("GET", "HEAD") or request.path.startswith(_API_PREFIXES):
                raise
            return serve(dist, request.path)
    return middleware


def serve(dist: Path, path: str) -> web.StreamResponse:
    """A file inside the build, or the app's page for an app path; a missing file is 404."""
    root = dist.resolve()
    wanted = (root / path.lstrip("/")).resolve()
    if wanted != root and wanted.is_relative_to(root) and wanted.is_file():
        immutable = wanted.parent.name == "assets"
        return web.FileResponse(wanted, headers={
            "Cache-Control": _IMMUTABLE if immutable else "no-cache"})
    if "." in path.rpartition("/")[2]:
        raise web.HTTPNotFound()
    index = root / "index.html"
    if not index.is_file():
        return web.Response(text=NOT_BUILT, content_type="text/html",
                            headers={"Cache-Control": "no-store"})
    return web.FileResponse(index, headers={"Cache-Control": "no-cache"})
