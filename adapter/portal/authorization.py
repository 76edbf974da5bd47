"""Portal routes for 企业数据授权 (§二 2.2) and 授权数据查询 (§二 2.3): authorize, query, statistics."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from adapter.domain.authorization import DataAuthorization, DataType
from adapter.portal.context import Portal
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.requests import Command, parse_body, parse_data
from adapter.service_layer import authorization

PREFIX = "/portal/v1"


class Authorize(Command):
    """The 勾选同意 of the 《企业数据授权》 dialog."""

    agree: Literal[True]


class DataQuery(Command):
    data_type: DataType
    start: date
    end: date
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class StatisticsQuery(Command):
    data_type: DataType
    start: date
    end: date
    frequency: Literal["month", "quarter", "year"] = "month"
    format: Literal["json", "csv"] = "json"


def _authorization(found: DataAuthorization | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"authorization_no": found.authorization_no, "uscc": found.enterprise.uscc,
            "enterprise_name": found.enterprise.name, "authorized_by": found.authorized_by,
            "authorized_at": found.authorized_at,
            "data_types": ",".join(t.value for t in found.data_types)}


def _statistics(result: authorization.Statistics) -> dict[str, Any]:
    """A bar chart's labels and series, and the table beneath it (A-7)."""
    labels = [p.period for p in result.periods]
    return {
        "frequency": result.frequency, "labels": labels,
        "series": [{"name": "票数", "values": [p.count for p in result.periods]},
                   {"name": "金额（美元）", "values": [f"{p.amount_usd:.2f}" for p in result.periods]}],
        "table": [{"period": p.period, "count": p.count, "amount_usd": f"{p.amount_usd:.2f}"}
                  for p in result.periods],
        "total": {"count": result.total_count, "amount_usd": f"{result.total_amount:.2f}"},
    }


def routes(portal: Portal) -> list[web.RouteDef]:
    uows, customs = portal.uows, portal.customs

    async def authorize(request: web.Request) -> web.Response:
        identity = identity_of(request)
        await parse_body(request, Authorize)
        await authorization.authorize(uows, identity, portal.parties)
        portal.wake()
        return await status(request, code=201)

    async def status(request: web.Request, code: int = 200) -> web.Response:
        found = await authorization.authorization_of(uows, identity_of(request))
        return respond({"authorized": found is not None, "authorization": _authorization(found)},
                       status=code)

    async def query(request: web.Request) -> web.Response:
        identity = identity_of(request)
        params = parse_data(dict(request.query), DataQuery, prefix="$query")
        await authorization.require_authorized(uows, identity)
        records = authorization.query(customs, identity, params.data_type, params.start, params.end)
        page = records[params.offset: params.offset + params.limit]
        return respond({"data_type": params.data_type.value, "data_type_name": params.data_type.label,
                        "total": len(records),
                        "items": [{"number": r.number, "filed_on": r.filed_on, "port": r.port,
                                   "destination": r.destination, "amount_usd": r.amount_usd,
                                   "declaration_no": r.declaration_no} for r in page]})

    async def statistics(request: web.Request) -> web.Response:
        identity = identity_of(request)
        params = parse_data(dict(request.query), StatisticsQuery, prefix="$query")
        await authorization.require_authorized(uows, identity)
        records = authorization.query(customs, identity, params.data_type, params.start, params.end)
        result = _statistics(authorization.statistics(records, params.start, params.end,
                                                      params.frequency))
        if params.format == "csv":
            return _csv(result["table"], f"{params.data_type.value.lower()}-{params.start}-{params.end}.csv")
        return respond({"data_type": params.data_type.value, "data_type_name": params.data_type.label,
                        **result})

    return [
        web.post(PREFIX + "/data-authorization", authorize),
        web.get(PREFIX + "/data-authorization", status),
        web.get(PREFIX + "/authorized-data", query),
        web.get(PREFIX + "/authorized-data/statistics", statistics),
    ]


def _csv(rows: list[dict[str, object]], filename: str) -> web.Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["统计周期", "票数", "金额（美元）"])
    for row in rows:
        writer.writerow([row["period"], row["count"], row["amount_usd"]])
    return web.Response(body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
                        content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
