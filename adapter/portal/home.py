"""``GET /portal/v1/home`` (第二章 一, H-1 … H-6): the whole home page of the token's
enterprise in one answer.

Every count names the list it counts (``list``: route and query, ``href`` the two joined):
the list a click opens when the count is not 0 (若显示待处理数据不为 0 …点击直接跳转至业务
详情页面). The counts are taken with the lists' own filters (``service_layer.home``), so a
frontend that follows ``href`` and pages to the end finds exactly ``count`` rows.

信息订阅 (H-5) shows the four modules, each its newest articles and its ``more``: the
module's list (R-3), which starts with the same rows; 最新风险信息 (H-6) the newest articles
of all modules, each title linking to the article, ``more`` the 风险预警信息查询 screen (R-2).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from adapter.config import Settings
from adapter.domain.insurance import InsuranceApplication
from adapter.domain.risk_article import CATEGORY_ZH, ArticleCategory, ArticleHeadline
from adapter.portal.claims import RESULTS as CLAIM_RESULTS
from adapter.portal.content import FINANCING
from adapter.portal.context import Portal
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.risk import PREFIX as RISK
from adapter.portal.risk import headline_view
from adapter.rendering.times import beijing
from adapter.service_layer import home
from adapter.service_layer.home import Counted

ROUTE = "/portal/v1/home"
_INSURANCE = "/portal/v1/insurance"
# The list each count counts: the route and the query a frontend calls it with.
LISTS: dict[str, tuple[str, dict[str, str]]] = {
    "pending_policies": (f"{_INSURANCE}/pending-policies", {}),
    "policy_notices": (f"{_INSURANCE}/policies", {"receipt_status": "待收悉"}),
    "returned_applications": (f"{_INSURANCE}/applications", {"status": "退回"}),
    "claim_results": (CLAIM_RESULTS, {}),
}


def link(key: str) -> dict[str, Any]:
    route, query = LISTS[key]
    return {"route": route, "query": query,
            "href": f"{route}?{urlencode(query)}" if query else route}


def counted(item: Counted) -> dict[str, Any]:
    """A count with its list; clickable when there is something to open."""
    return {"key": item.key, "name": item.name, "count": item.count, "list": link(item.key),
            "clickable": item.count > 0}


def prompt(pending: InsuranceApplication | None, count: int) -> dict[str, Any] | None:
    """H-1 待确认保单快捷入口提示: shown while a pending policy waits, leading to its form."""
    if pending is None:
        return None
    offer = pending.offer
    return {"message": f"您有{count}条待确认保单，请及时确认投保", "offer_no": offer.offer_no,
            "product_name": offer.product_name, "insurer_name": offer.insurer.name,
            "offered_at": offer.offered_at, "offered_at_beijing": beijing(offer.offered_at),
            "href": f"{_INSURANCE}/applications/{offer.offer_no}/form",
            "list": link("pending_policies")}


def financing_entry(settings: Settings) -> dict[str, Any]:
    """H-4 在线融资: the 企业融资 entry, leading to the 融资超市."""
    return {"title": "在线融资", "name": "企业融资", "route": FINANCING,
            "products": len(settings.financing.products)}


def subscriptions(found: dict[ArticleCategory, list[ArticleHeadline]]) -> dict[str, Any]:
    """H-5 信息订阅: a click on a module opens its list (对应列表页)."""
    return {"title": "信息订阅", "modules": [
        {"code": c.value, "name": CATEGORY_ZH[c], "items": [headline_view(i) for i in found[c]],
         "more": f"{RISK}/categories/{c.value}"} for c in ArticleCategory]}


def latest(items: list[ArticleHeadline]) -> dict[str, Any]:
    """H-6 最新风险信息: titles open the article; 更多 the 风险预警信息查询 screen."""
    return {"title": "最新风险信息", "items": [headline_view(i) for i in items], "more": RISK}


def routes(portal: Portal, settings: Settings) -> list[web.RouteDef]:
    async def page(request: web.Request) -> web.Response:
        identity = identity_of(request)
        found = await home.home(portal.uows, identity)
        pending = next(i.count for i in found.insurance if i.key == "pending_policies")
        return respond({
            "enterprise": {"name": identity.enterprise_name, "uscc": identity.uscc},
            "pending_prompt": prompt(found.prompt, pending),
            "insurance": {"title": "企业投保", "items": [counted(i) for i in found.insurance]},
            "claims": {"title": "企业索赔", "items": [counted(found.claim_results)]},
            "financing": financing_entry(settings),
            "subscriptions": subscriptions(found.subscriptions),
            "latest_risk": latest(found.latest),
        })

    return [web.get(ROUTE, page)]
