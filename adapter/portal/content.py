"""The portal's reading pages, drawn from the hub's API alone: the service introduction and
the small/micro insurance flow (S-1/S-2), the claims guide, the 融资超市 (F-1 products from
config, F-2 the six-step flow), and the two zones of the Single Window's portal (P-1 the
credit insurance zone, P-2 the financial services zone).

The texts are JSON documents kept in the repository (``adapter/content/``), each with its
version; an answer carries a strong ETag over its exact bytes, so a page revalidates with
If-None-Match and gets 304 until the text changes. A document is read again when its file
changes (its modification time or size), so a text shipped to a running hub is served, under
a new ETag, from the next request on. Content and zones are public: an anonymous visitor
reads them, and every zone entry that needs a login sends that visitor through the login and
back (``login_redirect``). A zone's risk columns carry the latest headlines, the very rows
``GET /portal/v1/public/risk-headlines`` answers (each column names that call as ``api``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from adapter.config import Settings
from adapter.domain.errors import NotFound
from adapter.domain.risk_article import ArticleCategory
from adapter.portal.codelists import Rendered, answer, render
from adapter.portal.json import respond
from adapter.portal.login_redirect import login_href, visitor
from adapter.portal.risk import HEADLINES, headlines_of, public_headline
from adapter.service_layer.unit_of_work import UnitsOfWork

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
PREFIX = "/portal/v1/content"
ZONES = "/portal/v1/zones"
FINANCING = "/portal/v1/financing"
PAGES = ("service-introduction", "small-micro-insurance-flow", "claims-guide", "financing-flow")
ZONE_PAGES = {"credit-insurance": "credit-insurance-zone",
              "financial-services": "financial-services-zone"}
# A zone is drawn per visitor (logged in or not): revalidated each time, kept by no shared cache.
PRIVATE = "private, no-cache"
# Headlines per risk column of a zone.
ZONE_HEADLINES = 5


class ContentUnknown(NotFound):
    code = "E-CONTENT-UNKNOWN"
    message_zh = "页面内容不存在"


def _stamp(name: str) -> tuple[Path, int, int]:
    """The document's file and what tells a changed file: modification time and size."""
    path = CONTENT_DIR / f"{name}.json"
    stat = path.stat()
    return path, stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=32)
def _load(path: Path, _mtime_ns: int, _size: int) -> tuple[dict[str, Any], Rendered]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded, render(loaded)


def document(name: str) -> dict[str, Any]:
    """One content document, read again only when its file changed."""
    return _load(*_stamp(name))[0]


def rendered(name: str) -> Rendered:
    """The document's bytes as served, and their ETag."""
    return _load(*_stamp(name))[1]


def _index() -> Rendered:
    return render({"documents": [{"name": name, "title": document(name)["title"],
                                  "version": document(name)["version"],
                                  "feature": document(name)["feature"],
                                  "href": f"{PREFIX}/{name}"} for name in PAGES]})


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
             else c["more"], "api": headlines_api(c)} for c in zone["risk"]["columns"]]}
    return drawn


def headlines_api(column: dict[str, Any]) -> str:
    """The public headlines call whose rows a risk column shows (all modules, or one)."""
    query = {"category": column["category"]} if column.get("category") else {}
    return f"{HEADLINES}?{urlencode({**query, 'limit': ZONE_HEADLINES})}"


async def with_headlines(drawn: dict[str, Any], uows: UnitsOfWork) -> dict[str, Any]:
    """Each risk column's latest titles, read as ``headlines_api`` reads them."""
    for column in drawn.get("risk", {}).get("columns", []):
        category = ArticleCategory(column["category"]) if column.get("category") else None
        items = await headlines_of(uows, category, ZONE_HEADLINES)
        column["items"] = [public_headline(i) for i in items]
    return drawn


def financing(settings: Settings) -> dict[str, Any]:
    """融资超市: the 信保贷 products with their 立即申请 links, and the online financing flow."""
    flow = document("financing-flow")
    return {"products": [p.model_dump() for p in settings.financing.products],
            "flow": {"title": flow["title"], "version": flow["version"], "steps": flow["steps"]},
            "inquiry": flow["inquiry"]}


def routes(settings: Settings, uows: UnitsOfWork) -> list[web.RouteDef]:
    async def listing(request: web.Request) -> web.Response:
        return answer(request, _index())

    async def page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in PAGES:
            raise ContentUnknown(f"no content {name[:60]!r}")
        return answer(request, rendered(name))

    async def zone(request: web.Request) -> web.Response:
        drawn = zone_view(request.match_info["zone"], visitor(request, settings) is not None)
        response = answer(request, render(await with_headlines(drawn, uows)))
        response.headers["Cache-Control"] = PRIVATE
        return response

    async def market(request: web.Request) -> web.Response:
        return respond(financing(settings))

    zone_names = "|".join(ZONE_PAGES)
    return [web.get(PREFIX, listing), web.get(PREFIX + "/{name}", page),
            web.get(ZONES + "/{zone:(" + zone_names + ")}", zone), web.get(FINANCING, market)]
