"""``GET /metrics``: the hub's metrics in Prometheus' text format.

On the hub's own port, behind the operator's bearer token like ``/ops/v1`` (Prometheus
sends it with ``authorization: {credentials: …}`` in the scrape config): one port to
expose, and the backlog, partners and overdue conversations it reveals are operator
matters. A scrape reads the levels once through bounded queries, then renders.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from adapter.config import Settings
from adapter.domain.exchange import utcnow
from adapter.metrics import CONTENT_TYPE, HubMetrics, Levels, PoolUse
from adapter.portal.operator_auth import operator_guard
from adapter.service_layer import operations, overdue
from adapter.service_layer.unit_of_work import UnitsOfWork


def routes(uows: UnitsOfWork, settings: Settings, metrics: HubMetrics,
           pool_use: Callable[[], PoolUse]) -> list[web.RouteDef]:
    guard = operator_guard(settings.operator_token.get_secret_value())
    rules, calendar = overdue.configured(settings.overdue)
    partners = [settings.insurer.code]

    async def scrape(request: web.Request) -> web.Response:
        guard(request)
        now = utcnow()
        found, late = await operations.scrape(uows, partners, rules, calendar, now=now)
        levels = Levels(found.outbox, found.circuits, late, found.inbox_estimate, pool_use(), now)
        body = metrics.render(levels, [rule.kind for rule in rules])
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return [web.get("/metrics", scrape)]
