"""Code lists over HTTP: public reference data, no token, cached by browsers and proxies.

Each answer carries the list's version and a strong ETag (a digest of the exact bytes),
so a portal page revalidates with If-None-Match and gets 304 until the hub ships new data.
Bodies are built once, on first request, off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from adapter.codelists import CodeList, UnknownCodeList, catalogue
from adapter.codelists.regions import regions
from adapter.domain.errors import NotFound
from adapter.portal.fields import RegionCodeUnknown

PREFIX = "/portal/v1/code-lists"
CACHE_CONTROL = "public, max-age=3600"


class CodeListUnknown(NotFound):
    code = "E-CODE-LIST-UNKNOWN"
    message_zh = "代码表不存在"


class RegionUnknown(NotFound):
    """No such region to list children of: a 404, where a form field holding the same code is
    refused as :class:`RegionCodeUnknown`; both answer the same code with the same sentence."""

    code = RegionCodeUnknown.code
    message_zh = RegionCodeUnknown.message_zh


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    etag: str


def render(document: dict[str, Any]) -> Rendered:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Rendered(body, hashlib.sha256(body).hexdigest()[:32])


def answer(request: web.Request, rendered: Rendered) -> web.Response:
    """200 with the body, or 304 when the client already holds these bytes (weak match, RFC 9110)."""
    held = request.if_none_match or ()
    fresh = any(tag.value in ("*", rendered.etag) for tag in held)
    response = (web.Response(status=304) if fresh else
                web.Response(body=rendered.body, content_type="application/json", charset="utf-8"))
    response.etag = rendered.etag
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _list_document(code_list: CodeList) -> dict[str, Any]:
    return {"name": code_list.name, "title": code_list.title, "version": code_list.version,
            "source": code_list.source, "entries": list(code_list.entries)}


def _index_document() -> dict[str, Any]:
    lists = [catalogue().get(name) for name in catalogue().names]
    return {"code_lists": [
        {"name": c.name, "title": c.title, "version": c.version, "size": len(c.entries),
         "source": c.source, "href": f"{PREFIX}/{c.name}"} for c in lists]}


def _children_document(code: str) -> dict[str, Any]:
    cascade = regions()
    region = cascade.get(code)
    if region is None:
        raise RegionUnknown(f"no region {code}")
    return {"name": "regions", "version": cascade.version, "parent": cascade.entry(region),
            "entries": [cascade.entry(child) for child in cascade.children(code)]}


def _list_or_404(name: str) -> dict[str, Any]:
    try:
        return _list_document(catalogue().get(name))
    except UnknownCodeList:
        raise CodeListUnknown(f"no code list {name}") from None


def routes() -> list[web.RouteDef]:
    rendered: dict[str, Rendered] = {}

    async def cached(key: str, build: Callable[[], dict[str, Any]]) -> Rendered:
        if key not in rendered:
            rendered[key] = render(await asyncio.to_thread(build))
        return rendered[key]

    async def index(request: web.Request) -> web.Response:
        return answer(request, await cached("", _index_document))

    async def code_list(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        return answer(request, await cached(name, lambda: _list_or_404(name)))

    async def region_children(request: web.Request) -> web.Response:
        code = request.match_info["code"]
        return answer(request, await cached(f"regions/{code}", lambda: _children_document(code)))

    return [web.get(PREFIX, index), web.get(PREFIX + "/{name}", code_list),
            web.get(PREFIX + "/regions/{code}/children", region_children)]
