"""The OpenAPI document of the hub's JSON routes, and a docs page that needs no network."""

from __future__ import annotations

import html
from typing import Any

from aiohttp import web

_ERRORS = {"type": "object", "properties": {"errors": {"type": "array", "items": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "field": {"type": "string"},
                   "message": {"type": "string"}}}}}}
_OPERATOR: list[dict[str, list[str]]] = [{"operator": []}]


def _op(summary: str, *, params: list[dict[str, Any]] | None = None, codes: tuple[int, ...] = (200,),
        secured: bool = True) -> dict[str, Any]:
    responses: dict[str, Any] = {str(code): {"description": "OK" if code < 300 else "error",
                                             "content": {"application/json": {"schema": {"type": "object"}
                                                                              if code < 300 else _ERRORS}}}
                                 for code in codes}
    operation: dict[str, Any] = {"summary": summary, "responses": responses,
                                 "parameters": params or []}
    if secured:
        operation["security"] = _OPERATOR
        operation["responses"]["401"] = {"description": "operator credential missing",
                                         "content": {"application/json": {"schema": _ERRORS}}}
    return operation


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


_PAGING = [_query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
           _query("before", {"type": "integer", "minimum": 1})]

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Single Window credit insurance hub", "version": "1.0.0"},
    "components": {"securitySchemes": {"operator": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/health/live": {"get": _op("Liveness", secured=False)},
        "/health/ready": {"get": _op("Readiness: database, backlog, dead letters", secured=False,
                                     codes=(200, 503))},
        "/ops/v1/timeline/{object_type}/{object_id}": {"get": _op(
            "Timeline of one business object", params=[_path("object_type"), _path("object_id")])},
        "/ops/v1/outbox": {"get": _op("Outbox backlog by status", codes=(200, 422), params=[
            _query("status", {"type": "string", "enum": ["pending", "sending", "sent", "dead"]}),
            *_PAGING])},
        "/ops/v1/dead-letters": {"get": _op("Dead letters, newest first", codes=(200, 422),
                                            params=_PAGING)},
        "/ops/v1/dead-letters/{id}": {"get": _op("One dead letter with its attempts", codes=(200, 404),
                                                 params=[_path("id")])},
        "/ops/v1/dead-letters/{id}/replay": {"post": _op("Send a dead letter again", codes=(202, 404),
                                                         params=[_path("id")])},
        "/ops/v1/inbox": {"get": _op("Inbound messages, newest first", codes=(200, 422),
                                     params=[_query("status", {"type": "string"}), *_PAGING])},
    },
}


def _docs_page() -> str:
    rows = "".join(
        f"<tr><td>{method.upper()}</td><td><code>{html.escape(path)}</code></td>"
        f"<td>{html.escape(op['summary'])}</td></tr>"
        for path, item in DOCUMENT["paths"].items() for method, op in item.items())
    return ("<!doctype html><meta charset=utf-8><title>Hub API</title>"
            "<h1>Single Window credit insurance hub</h1>"
            "<p>OpenAPI document: <a href=/openapi.json>/openapi.json</a>; "
            "insurer WSDL: <a href='/insurer/soap?wsdl'>/insurer/soap?wsdl</a></p>"
            f"<table border=1 cellpadding=4>{rows}</table>")


def routes() -> list[web.RouteDef]:
    async def document(_request: web.Request) -> web.Response:
        return web.json_response(DOCUMENT)

    async def docs(_request: web.Request) -> web.Response:
        return web.Response(text=_docs_page(), content_type="text/html")

    return [web.get("/openapi.json", document), web.get("/docs", docs)]
