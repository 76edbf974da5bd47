"""The zones' way through the Single Window's login and back (P-1/P-2): an anonymous visitor
who picks an entry is sent to the unified login, which sends them back to the hub, which
sends them on to the entry they picked.

The return target travels through two redirects and arrives from outside, so it is checked
each time against an allow-list and nothing else: a relative path of the portal (one
leading ``/``, then plain segments of letters, digits and ``._~-``, no ``.`` or ``..``
segment, no ``%`` in the path, no backslash, no scheme, no host), under one of the
configured prefixes, with an optional query of plain or percent-encoded characters. Any
other target is ``E-RETURN-TARGET``: there is no open redirect.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from aiohttp import web

from adapter.config import PortalZoneSettings, Settings
from adapter.domain.errors import InvalidValue, NotAuthenticated
from adapter.domain.identity import Identity
from adapter.portal.identity import decode

LOGIN = "/portal/v1/login"
RETURN = LOGIN + "/return"
MAX_TARGET = 512
_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
_QUERY = re.compile(r"(?:[A-Za-z0-9._~=&+-]|%[0-9A-Fa-f]{2})*")


class ReturnTargetRefused(InvalidValue):
    """A return target outside the portal's own paths (another site, a scheme, a trick)."""

    code = "E-RETURN-TARGET"
    message_zh = "返回地址无效，只能返回本门户的页面"


def _plain_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return False
    segments = path[1:].split("/")
    last = segments.pop()
    return all(_SEGMENT.fullmatch(s) for s in segments) and (last == "" or bool(_SEGMENT.fullmatch(last)))


def return_target(raw: str | None, zones: PortalZoneSettings) -> str:
    """``raw`` when it is one of the portal's own paths under an allowed prefix, else refused."""
    if not raw or len(raw) > MAX_TARGET or not raw.isascii():
        raise ReturnTargetRefused(f"target {raw!r:.80}", path="$query.return_to")
    path, has_query, query = raw.partition("?")
    allowed = any(path.startswith(prefix) or path + "/" == prefix for prefix in zones.return_prefixes)
    if not (_plain_path(path) and allowed and (not has_query or _QUERY.fullmatch(query))):
        raise ReturnTargetRefused(f"target {raw!r:.80}", path="$query.return_to")
    return raw


def login_href(target: str) -> str:
    """Where an entry sends an anonymous visitor: the hub's login redirect, target attached."""
    return f"{LOGIN}?{urlencode({'return_to': target})}"


def visitor(request: web.Request, settings: Settings) -> Identity | None:
    """The logged-in visitor of a public page, or None: a missing or refused token is simply
    an anonymous visit (these pages show nothing private)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return decode(token, settings.identity)
    except NotAuthenticated:
        return None


def _found(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


def routes(settings: Settings) -> list[web.RouteDef]:
    zones = settings.portal_zones

    async def login(request: web.Request) -> web.Response:
        """To the unified login, which comes back to ``RETURN`` with the same target; a visitor
        who is logged in already goes straight on."""
        target = return_target(request.query.get("return_to"), zones)
        if visitor(request, settings) is not None:
            return _found(target)
        origin = settings.public_base_url or str(request.url.origin())
        back = f"{origin}{RETURN}?{urlencode({'return_to': target})}"
        joiner = "&" if "?" in zones.login_url else "?"
        return _found(f"{zones.login_url}{joiner}{urlencode({zones.return_parameter: back})}")

    async def came_back(request: web.Request) -> web.Response:
        """From the login to the target, checked again: this address is public too."""
        return _found(return_target(request.query.get("return_to"), zones))

    return [web.get(LOGIN, login), web.get(RETURN, came_back)]
