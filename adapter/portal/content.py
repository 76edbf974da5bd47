"""The portal's reading pages, drawn from the hub's API alone: the service introduction and
the small/micro insurance flow (S-1/S-2), the claims guide, the 融资超市 (F-1 products from
config, F-2 the six-step flow), and the two zones of the Single Window's portal (P-1 the
credit insurance zone, P-2 the financial services zone).

The texts are JSON documents kept in the repository (``adapter/content/``), each with its
version; an answer carries a strong ETag over its exact bytes, so a page revalidates with
If-None-Match and gets 304 until the hub ships new text. Content and zones are public:
an anonymous visitor reads them, and every zone entry that needs a login sends that
visitor through the login and back (``login_redirect``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from adapter.config import Settings
from adapter.domain.errors import NotFound
from adapter.portal.codelists import answer, render
from adapter.portal.json import respond
from adapter.portal.login_redirect import login_href, visitor

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
PREFIX = "/portal/v1/content"
ZONES = "/portal/v1/zones"
FINANCING = "/portal/v1/financing"
PAGES = ("service-introduction", "small-micro-insurance-flow", "claims-guide", "financing-flow")
ZONE_PAGES = {"credit-insurance": "credit-insurance-zone",
              "financial-services": "financial-services-zone"}
# A zone is drawn per visitor (logged in or not): revalidated each time, kept by no shared cache.
PRIVATE = "private, no-cache"


class ContentUnknown(NotFound):
    code = "E-CONTENT-UNKNOWN"
    message_zh = "页面内容不存在"


@cache
def document(name: str) -> dict[str, Any]:
    """One content document, read from the repository once."""
    loaded: dict[str, Any] = json.loads((CONTENT_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def _index() -> dict[str, Any]:
    return {"documents": [{"name": name, "title": document(name)["title"],
                           "version": document(name)["version"], "feature": document(name)["feature"],
                           "href": f"{PREFIX}/{name}"} for name in PAGES]}


def _entry(entry: dict[str, Any], logged_in: bool) -> dict[str, Any]:
    """An entry with where a click leads this visitor: the target, or the login first."""
    needs_login = bool(entry.get("requires_login")) and not logged_in
    href = login_href(entry["target"]) if needs_login else entry["target"]
    return {**entry, "href": href, "login_first": needs_login}


def _services(zone: dict[str, Any]) -> list[dict[str, Any]]:
    """A zone's modules; P-2 borrows P-1's (the manual: 可参考 …, 不在赘述) under its own names."""
    borrowed = {m["name"]: m for m in document(zone["services_from"])["services"]} \
        if "services_from" in zone else {}
    return [{"name": m["name"], "entries": borrowed[m["from"]]["entries"] if "from" in m
             else m["entries"]} for m in zone["services"]]


def zone_view(name: str, logged_in: bool) -> dict[str, Any]:
    """A zone as this visitor sees it: every entry's ``href`` already decided."""
    zone = document(ZONE_PAGES[name])
    drawn: dict[str, Any] = {k: v for k, v in zone.items() if k not in ("services", "services_from")}
    drawn["logged_in"] = logged_in
    drawn["services"] = [{"name": m["name"], "entries": [_entry(e, logged_in) for e in m["entries"]]}
                         for m in _services(zone)]
    if "institutions" in zone:
        drawn["institutions"] = [_entry(e, logged_in) for e in zone["institutions"]]
    if "risk" in zone:
        drawn["risk"] = {**zone["risk"], "columns": [
            {**c, "more_href": login_href(c["more"]) if c["requires_login"] and not logged_in
             else c["more"]} for c in zone["risk"]["columns"]]}
    return drawn


def financing(settings: Settings) -> dict[str, Any]:
    """融资超市: the 信保贷 products with their 立即申请 links, and the online financing flow."""
    flow = document("financing-flow")
    return {"products": [p.model_dump() for p in settings.financing.products],
            "flow": {"title": flow["title"], "version": flow["version"], "steps": flow["steps"]},
            "inquiry": flow["inquiry"]}


def routes(settings: Settings) -> list[web.RouteDef]:
    rendered = {name: render(document(name)) for name in PAGES}
    index = render(_index())

    async def listing(request: web.Request) -> web.Response:
        return answer(request, index)

    async def page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in rendered:
            raise ContentUnknown(f"no content {name[:60]!r}")
        return answer(request, rendered[name])

    async def zone(request: web.Request) -> web.Response:
        drawn = zone_view(request.match_info["zone"], visitor(request, settings) is not None)
        response = answer(request, render(drawn))
        response.headers["Cache-Control"] = PRIVATE
        return response

    async def market(request: web.Request) -> web.Response:
        return respond(financing(settings))

    zone_names = "|".join(ZONE_PAGES)
    return [web.get(PREFIX, listing), web.get(PREFIX + "/{name}", page),
            web.get(ZONES + "/{zone:(" + zone_names + ")}", zone), web.get(FINANCING, market)]
