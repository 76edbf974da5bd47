"""Paths and query strings with control characters are refused before any handler runs.

No agreement number, offer number, cursor or filter holds a NUL or a control character;
PostgreSQL cannot even store a NUL in text, so letting one through turns a wrong id into
a 500. Refused here once, for every portal and operator route, with the one error shape:
404 for a path (nothing is there), 422 for a query parameter, as other bad values are.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from adapter.portal.errors import PathControlCharacter, RequestControlCharacter

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_GUARDED = ("/portal/", "/ops/")
# Code lists are looked up in memory, never in the database, and answer unknown names
# themselves.
_UNGUARDED = ("/portal/v1/code-lists",)


@web.middleware
async def request_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(_GUARDED) and not request.path.startswith(_UNGUARDED):
        if _CONTROL.search(request.path):
            raise PathControlCharacter("control character in the path", path="$path")
        for name, value in request.query.items():
            if _CONTROL.search(name) or _CONTROL.search(value):
                raise RequestControlCharacter(f"control character in {name[:40]!r}",
                                              path=f"$query.{name}")
    return await handler(request)
