"""The OpenAPI document of the hub's JSON routes, and a docs page that needs no network."""

from __future__ import annotations

import html
import json
from typing import Any

from aiohttp import web
from pydantic import BaseModel

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
        operation["responses"]["429"] = {"description": "too many failed authentications",
                                         "content": {"application/json": {"schema": _ERRORS}}}
    return operation


_PATH_PATTERNS = {"agreement_no": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", "id": "^[0-9]{1,18}$",
                  "offer_no": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", "serial_no": "^[0-9]{1,32}$"}


def _path(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if name in _PATH_PATTERNS:
        schema["pattern"] = _PATH_PATTERNS[name]
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


_PAGING = [_query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
           _query("before", {"type": "integer", "minimum": 1, "maximum": 2**63 - 1})]

def _metrics_op() -> dict[str, Any]:
    """Behind the operator token like /ops/v1, but answered in Prometheus' text format."""
    operation = _op("Prometheus metrics (text format)")
    operation["responses"]["200"] = {"description": "OK", "content": {
        "text/plain": {"schema": {"type": "string"}}}}
    return operation


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Single Window credit insurance hub", "version": "1.0.0"},
    "components": {"securitySchemes": {"operator": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/health/live": {"get": _op("Liveness", secured=False)},
        "/health/ready": {"get": _op("Readiness: database, backlog, dead letters", secured=False,
                                     codes=(200, 503))},
        "/ops/v1/timeline/{object_type}/{object_id}": {"get": _op(
            "Timeline of one business object", codes=(200, 404),
            params=[_path("object_type"), _path("object_id")])},
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
                                     params=[_query("status", {"type": "string",
                                                               "enum": ["processed", "rejected"]}),
                                             _query("message_type", {
                                                 "type": "string",
                                                 "pattern": "^[A-Z][A-Z0-9_]{0,39}$"}),
                                             *_PAGING])},
        "/ops/v1/overdue": {"get": _op(
            "Conversations waiting past their deadline", codes=(200, 422),
            params=[_query("as_of", {"type": "string", "format": "date-time"})])},
        "/metrics": {"get": _metrics_op()},
    },
}


_PORTAL: list[dict[str, list[str]]] = [{"portal": []}]


def _portal(summary: str, *, body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
            path_params: tuple[str, ...] = (), codes: tuple[int, ...] = (200,),
            content: str = "application/json") -> dict[str, Any]:
    """A portal operation: bearer token from the Single Window login, 422 naming each bad field."""
    responses: dict[str, Any] = {}
    for code in (*codes, 401, 422, 429):
        if code < 300:
            media = {content: {"schema": {"type": "string", "format": "binary"}
                               if content != "application/json" else {"type": "object"}}}
            responses[str(code)] = {"description": "OK", "content": media}
        else:
            responses[str(code)] = {"description": _REASONS.get(code, "error"),
                                    "content": {"application/json": {"schema": _ERRORS}}}
    operation: dict[str, Any] = {"summary": summary, "security": _PORTAL, "responses": responses,
                                 "parameters": [_path(p) for p in path_params]}
    if query is not None:
        schema = _inline(query.model_json_schema())
        required = set(schema.get("required", []))
        operation["parameters"] += [
            {"name": name, "in": "query", "required": name in required, "schema": _scalar(field)}
            for name, field in schema["properties"].items()]
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _inline(body.model_json_schema())}}}
    return operation


_REASONS = {401: "token missing, expired or wrongly signed", 403: "operator card on a legal-person action",
            404: "no such object for this enterprise", 409: "the object's state refuses the action",
            422: "one entry per bad field: code, JSON path, Chinese message",
            503: "the insurer or the database did not answer in time (E-BUYER-LOOKUP-UNAVAILABLE, "
                 "E-STORE-UNAVAILABLE): nothing changed, try again",
            429: "too many failed authentications from this client, or writes from this user "
                 "(E-AUTH-THROTTLED, E-WRITES-THROTTLED; Retry-After says when)"}


def _scalar(field: dict[str, Any]) -> dict[str, Any]:
    """Query parameters are scalars: unwrap Optional, keep enums, formats and bounds."""
    options = field.get("anyOf")
    if options:
        field = next((o for o in options if o.get("type") != "null"), options[0])
    scalar = {k: v for k, v in field.items() if k in ("type", "enum", "format", "minimum", "maximum",
                                                      "maxLength", "minLength", "default", "const")}
    if scalar.get("default", 0) is None:  # an omitted parameter says "no filter" by itself
        del scalar["default"]
    return scalar


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve local ``$defs`` so each request schema stands on its own. OpenAPI 3.1 speaks
    JSON Schema 2020-12, pydantic's own dialect: ``const``, ``examples`` arrays and
    ``type: null`` stay as pydantic wrote them."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.rpartition("/")[2]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _portal_paths() -> dict[str, Any]:
    from adapter.portal.agreements import AgreementQuery, SignAgreement, Terminate
    from adapter.portal.authorization import Authorize, DataQuery, StatisticsQuery

    item = ("agreement_no",)
    return {
        "/portal/v1/me": {"get": _portal("Who is logged in: enterprise, user, card type")},
        "/portal/v1/seals": {"get": _portal("A-1 The enterprise's seals, with which may sign")},
        "/portal/v1/agreements": {
            "post": _portal("A-1 Sign the service agreement with a company seal", body=SignAgreement,
                            codes=(201, 403, 409)),
            "get": _portal("A-3 Agreements, newest first, by status", query=AgreementQuery)},
        "/portal/v1/agreements/{agreement_no}": {"get": _portal("A-3 One agreement", path_params=item,
                                                                codes=(200, 404))},
        "/portal/v1/agreements/{agreement_no}/pdf": {"get": _portal(
            "A-2 The signed agreement PDF (disposition=inline to print)", path_params=item,
            codes=(200, 404), content="application/pdf")},
        "/portal/v1/agreements/{agreement_no}/termination": {"post": _portal(
            "A-4 Terminate, with the confirmation 坚持解约", body=Terminate, path_params=item,
            codes=(202, 403, 404, 409))},
        "/portal/v1/agreements/{agreement_no}/process": {"get": _portal(
            "A-4 The termination process, in reading order", path_params=item, codes=(200, 404))},
        "/portal/v1/data-authorization": {
            "post": _portal("A-5 Authorize data use, once (请勿重复授权)", body=Authorize, codes=(201, 409)),
            "get": _portal("A-5 Whether the enterprise has authorized")},
        "/portal/v1/authorized-data": {"get": _portal("A-6 Authorized data by type and time range",
                                                      query=DataQuery, codes=(200, 409))},
        "/portal/v1/authorized-data/statistics": {"get": _portal(
            "A-7 Statistics by period for a bar chart and a table (format=csv for a file)",
            query=StatisticsQuery, codes=(200, 409))},
    }


def _insurance_paths() -> dict[str, Any]:
    """I-1 … I-9: the application's routes (scoped by offer number) and the inquiries'."""
    from adapter.portal.inquiries import InquiryQuery, SubmitInquiry
    from adapter.portal.insurance import ApplicationQuery, CodeRequest, PolicyQuery, Submit

    item, base = ("offer_no",), "/portal/v1/insurance/applications/{offer_no}"

    def pdf(summary: str) -> dict[str, Any]:
        return _portal(summary, path_params=item, codes=(200, 404, 409), content="application/pdf")

    inquiry = "/portal/v1/insurance/inquiries"
    return {
        "/portal/v1/insurance/summary": {"get": _portal(
            "I-1 Home prompts: 待确认投保单, 保单生效通知 (待收悉), 投保申请退回通知")},
        "/portal/v1/insurance/pending-policies": {"get": _portal("I-1 Pending policies (待确认)")},
        "/portal/v1/insurance/applications": {"get": _portal(
            "I-8 投保申请 list, newest first, by 投保状态, with the five-step bar",
            query=ApplicationQuery)},
        "/portal/v1/insurance/policies": {"get": _portal(
            "I-8 保险单 list, newest first, by 收悉状态", query=PolicyQuery)},
        base: {"get": _portal("I-7 One application with its policy and step", path_params=item,
                              codes=(200, 404))},
        base + "/form": {"get": _portal("I-2 The application form: read-only fields from the offer",
                                        path_params=item, codes=(200, 404))},
        base + "/sms-code": {"post": _portal(
            "I-4 Send the SMS code (6 digits, 5 minutes, one resend a minute)", body=CodeRequest,
            path_params=item, codes=(202, 404, 409))},
        base + "/submission": {"post": _portal(
            "I-4 Apply: contact, declaration and the SMS code → 已投保", body=Submit,
            path_params=item, codes=(201, 404, 409))},
        base + "/receipt-acknowledgement": {"post": _portal(
            "I-6 收悉: 待收悉 → 已收悉", path_params=item, codes=(202, 404, 409))},
        base + "/application.pdf": {"get": pdf(
            "I-3 The application form PDF, seal-signed (disposition=inline to print)")},
        base + "/policy.pdf": {"get": pdf("I-7 The policy PDF (disposition=inline to print)")},
        base + "/e-policy.pdf": {"get": pdf(
            "I-7 The insurer's e-policy PDF (disposition=inline to print)")},
        base + "/process": {"get": _portal("I-5 Every message and state, in reading order",
                                           path_params=item, codes=(200, 404))},
        inquiry + "/form": {"get": _portal("I-9 The empty inquiry form (投保咨询)")},
        inquiry: {
            "post": _portal("I-9 Submit an inquiry (询保申请) → 已提交, read-only from then on",
                            body=SubmitInquiry, codes=(201,)),
            "get": _portal("I-9 询保申请 list, newest first, with status and reply",
                           query=InquiryQuery)},
        inquiry + "/{serial_no}": {"get": _portal("I-9 One inquiry with the insurer's reply",
                                                  path_params=("serial_no",), codes=(200, 404))},
        inquiry + "/{serial_no}/process": {"get": _portal(
            "I-9 The inquiry's messages and states, in reading order", path_params=("serial_no",),
            codes=(200, 404))},
    }


def document() -> dict[str, Any]:
    """The whole document: operator and health routes, portal routes, and the error codes."""
    from adapter.portal.errors import codes

    full = {**DOCUMENT, "paths": {**DOCUMENT["paths"], **_portal_paths(), **_insurance_paths(),
                                  **_codelist_paths(), **_home_paths(), **_risk_paths(),
                                  **_claim_paths(), **_attachment_paths(), **_buyer_paths()}}
    full["components"] = {**DOCUMENT["components"], "securitySchemes": {
        **DOCUMENT["components"]["securitySchemes"],
        "portal": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}}
    full["x-error-codes"] = codes()
    return full


def _codelist_paths() -> dict[str, Any]:
    lists = {"get": {"summary": "G-2 Code lists (public reference data)", "parameters": [],
                     "responses": {"200": {"description": "OK", "content": {"application/json": {
                         "schema": {"type": "object"}}}}}}}
    one = {"get": {"summary": "G-2 One code list, with version and ETag",
                   "parameters": [_path("name")],
                   "responses": {"200": {"description": "OK", "content": {"application/json": {
                       "schema": {"type": "object"}}}},
                       "304": {"description": "not modified since the ETag given"},
                       "404": {"description": "no such list", "content": {"application/json": {
                           "schema": _ERRORS}}}}}}
    children = {"get": {"summary": "G-2 Region cascade: the divisions under one code",
                        "parameters": [_path("code")], "responses": one["get"]["responses"]}}
    return {"/portal/v1/code-lists": lists, "/portal/v1/code-lists/{name}": one,
            "/portal/v1/code-lists/regions/{code}/children": children}


def _docs_page() -> str:
    rows = "".join(
        f"<tr><td>{method.upper()}</td><td><code>{html.escape(path)}</code></td>"
        f"<td>{html.escape(op['summary'])}</td></tr>"
        for path, item in document()["paths"].items() for method, op in item.items())
    return ("<!doctype html><meta charset=utf-8><title>Hub API</title>"
            "<h1>Single Window credit insurance hub</h1>"
            "<p>OpenAPI document: <a href=/openapi.json>/openapi.json</a>; "
            "insurer WSDL: <a href='/insurer/soap?wsdl'>/insurer/soap?wsdl</a></p>"
            f"<table border=1 cellpadding=4>{rows}</table>")


def routes() -> list[web.RouteDef]:
    async def serve_document(_request: web.Request) -> web.Response:
        return web.json_response(document(), dumps=lambda d: json.dumps(d, ensure_ascii=False))

    async def docs(_request: web.Request) -> web.Response:
        return web.Response(text=_docs_page(), content_type="text/html")

    return [web.get("/openapi.json", serve_document), web.get("/docs", docs)]


def _public(summary: str, *, params: list[dict[str, Any]] | None = None,
            codes: tuple[int, ...] = (200, 304)) -> dict[str, Any]:
    """A route read before login (texts, zones, the login redirect): no security; a bearer
    token, when sent, only changes where the zones' entries lead."""
    descriptions = {200: "OK", 302: "redirect: Location names where to go", 304: "not modified since the ETag given",
                    404: _REASONS[404], 422: "the return target is not one of the portal's own paths"}
    responses: dict[str, Any] = {}
    for code in codes:
        responses[str(code)] = {"description": descriptions[code]}
        if code == 200:
            responses[str(code)]["content"] = {"application/json": {"schema": {"type": "object"}}}
        elif code >= 400:
            responses[str(code)]["content"] = {"application/json": {"schema": _ERRORS}}
        elif code == 302:
            responses[str(code)]["headers"] = {"Location": {"schema": {"type": "string"}}}
    return {"summary": summary, "parameters": params or [], "responses": responses}


def _home_paths() -> dict[str, Any]:
    """H-1 … H-6, F-1/F-2, Q-1, S-1/S-2, P-1/P-2: the home page, the message board, the
    texts, the zones and their login redirect."""
    from adapter.portal.message_board import MessageQuery, SubmitMessage

    message = _portal("Q-1 One message of the enterprise's", codes=(200, 404))
    message["parameters"] = [{"name": "message_no", "in": "path", "required": True,
                              "schema": {"type": "string", "pattern": "^LY[0-9]{18}$"}}]
    target = {"name": "return_to", "in": "query", "required": True, "schema": {
        "type": "string", "maxLength": 512, "pattern": "^/[A-Za-z0-9._~/-]*(\\?[A-Za-z0-9._~%=&+-]*)?$"}}
    zone = {"name": "zone", "in": "path", "required": True,
            "schema": {"type": "string", "enum": ["credit-insurance", "financial-services"]}}
    page = {"name": "name", "in": "path", "required": True, "schema": {"type": "string",
            "enum": ["service-introduction", "small-micro-insurance-flow", "claims-guide",
                     "financing-flow"]}}
    return {
        "/portal/v1/home": {"get": _portal(
            "H-1 … H-6 The home page: pending-policy prompt, counts each with the list it counts "
            "(企业投保, 企业索赔), financing entry, 信息订阅 (four modules, each with its list), "
            "最新风险信息")},
        "/portal/v1/financing": {"get": _portal(
            "F-1/F-2 融资超市: products with their apply links, the six-step online financing flow")},
        "/portal/v1/messages/form": {"get": _portal("Q-1 The empty message board (调查问卷/留言板)")},
        "/portal/v1/messages": {
            "post": _portal("Q-1 Submit a message; 所属地区 checked 省 → 市 → 区 against GB/T 2260",
                            body=SubmitMessage, codes=(201,)),
            "get": _portal("Q-1 The enterprise's own messages, newest first", query=MessageQuery)},
        "/portal/v1/messages/{message_no}": {"get": message},
        "/ops/v1/messages": {"get": _op("Q-1 Every enterprise's messages, newest first",
                                        codes=(200, 422), params=_PAGING)},
        "/portal/v1/content": {"get": _public("S-1/S-2/F-2 The texts the portal shows, with versions")},
        "/portal/v1/content/{name}": {"get": _public(
            "S-1/S-2/F-2 One text (JSON kept in the repository), with version and ETag",
            params=[page], codes=(200, 304, 404))},
        "/portal/v1/zones/{zone}": {"get": _public(
            "P-1/P-2 A zone of the portal: entries, each leading to its target or, for an "
            "anonymous visitor, through the login; risk columns with the latest headlines "
            "(the rows of the public headlines call each names as api)", params=[zone],
            codes=(200, 304, 404))},
        "/portal/v1/login": {"get": _public(
            "P-1/P-2 To the Single Window login, coming back to the target (portal paths only)",
            params=[target], codes=(302, 422))},
        "/portal/v1/login/return": {"get": _public(
            "P-1/P-2 Back from the login to the target, checked again", params=[target],
            codes=(302, 422))},
    }


def _risk_paths() -> dict[str, Any]:
    """R-1 … R-5 and the public 最新风险信息 headlines (P-1)."""
    from adapter.portal.risk import HEADLINES, PREFIX, ArticleQuery, CategoryQuery, HeadlineQuery

    article = {"name": "article_id", "in": "path", "required": True,
               "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"}}
    category = {"name": "category", "in": "path", "required": True, "schema": {
        "type": "string", "enum": ["COUNTRY", "INDUSTRY", "BELT-AND-ROAD", "TRADE-NEWS"]}}
    position = {"name": "position", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": "^[1-9][0-9]?$"}}

    def with_params(operation: dict[str, Any], *params: dict[str, Any]) -> dict[str, Any]:
        operation["parameters"] = [*params, *operation["parameters"]]
        return operation

    download = with_params(_portal("R-4 One attachment, with its own Content-Type (download)",
                                   codes=(200, 404), content="application/octet-stream"),
                           article, position)
    headlines = _public("P-1 最新风险信息: the latest titles, public", codes=(200, 422))
    schema = _inline(HeadlineQuery.model_json_schema())
    headlines["parameters"] = [{"name": name, "in": "query", "required": False,
                                "schema": _scalar(field)}
                               for name, field in schema["properties"].items()]
    headlines["responses"]["422"]["description"] = _REASONS[422]
    return {
        PREFIX: {"get": _portal(
            "R-2 风险信息查询: 国别, 行业, title keyword; the four modules, newest few each",
            query=ArticleQuery)},
        PREFIX + "/credit-service": {"get": _portal("R-5 资信服务: the SinoRating link")},
        PREFIX + "/categories/{category}": {"get": with_params(_portal(
            "R-3 One module's articles, 15 a page, newest first (next_cursor pages on)",
            query=CategoryQuery, codes=(200, 404)), category)},
        PREFIX + "/{article_id}": {"get": with_params(_portal(
            "R-4 One article: sanitized body, countries, industries, attachments",
            codes=(200, 404)), article)},
        PREFIX + "/{article_id}/attachments/{position}": {"get": download},
        HEADLINES: {"get": headlines},
    }


def _claim_paths() -> dict[str, Any]:
    """C-1 … C-12: policies and their claims, the claim form, shipment lines, report, submit."""
    from adapter.portal.claims import ClaimForm, Deletion, LineForm, ResultsQuery, Submission

    claim, base = ("claim_no",), "/portal/v1/claims/{claim_no}"
    line = ("claim_no", "line_id")
    upload = _portal("C-6 Import shipment lines from the filled .xlsx template (every bad cell "
                     "named by row and column)", path_params=claim, codes=(201, 404, 409, 413))
    upload["requestBody"] = {"required": True, "content": {
        "application/octet-stream": {"schema": {
            "type": "string", "format": "binary",
            "description": "the .xlsx of shipment-template.xlsx, filled in"}}}}
    return {
        "/portal/v1/claims/policies": {"get": _portal(
            "C-2 信用保险保单: effective policies, each with its claims", codes=(200, 409))},
        "/portal/v1/claim-results": {"get": _portal(
            "H-3/C-12 索赔申请受理结果: the claims the insurer answered (审核通过, 退回), newest "
            "first (next_cursor pages on)", query=ResultsQuery, codes=(200, 409))},
        "/portal/v1/claims/policies/{offer_no}/claims": {
            "get": _portal("C-2 The claims of one effective policy", path_params=("offer_no",),
                           codes=(200, 404, 409)),
            "post": _portal("C-1 我要索赔: a new claim on an effective policy",
                            path_params=("offer_no",), codes=(201, 404, 409))},
        "/portal/v1/claims/shipment-template.xlsx": {"get": _portal(
            "C-6 The shipment-line import template",
            content="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        base: {
            "get": _portal("C-12 One claim: form, lines, report state, status and review",
                           path_params=claim, codes=(200, 404)),
            "patch": _portal("C-3 … C-5, C-9 Save the claim's sections (buyer, banks, case, "
                             "explanation)", body=ClaimForm, path_params=claim,
                             codes=(200, 404, 409, 503))},
        base + "/shipments": {"post": _portal("C-6 新增 a shipment line", body=LineForm,
                                              path_params=claim, codes=(201, 404, 409))},
        base + "/shipments/import": {"post": upload},
        base + "/shipments/deletion": {"post": _portal(
            "C-6 删除 several shipment lines", body=Deletion, path_params=claim,
            codes=(200, 404, 409))},
        base + "/shipments/{line_id}": {
            "put": _portal("C-6 保存 a shipment line", body=LineForm, path_params=line,
                           codes=(200, 404, 409)),
            "delete": _portal("C-6 删除 a shipment line", path_params=line, codes=(200, 404, 409))},
        base + "/declaration-check": {"post": _portal(
            "C-7 申报单证检查: 数据正常 / 未查询到符合条件的数据 per line", path_params=claim,
            codes=(200, 404))},
        base + "/shipment-report": {"post": _portal(
            "C-8 Generate the sealed 出运数据报告 from the current lines", path_params=claim,
            codes=(201, 404, 409))},
        base + "/shipment-report.pdf": {"get": _portal(
            "C-8 The sealed shipment report PDF", path_params=claim, codes=(200, 404),
            content="application/pdf")},
        base + "/submission": {"post": _portal(
            "C-11 Submit (X-OUT-7); every missing piece named at once", body=Submission,
            path_params=claim, codes=(202, 404, 409))},
        base + "/process": {"get": _portal("C-12 Every message and state, in reading order",
                                           path_params=claim, codes=(200, 404))},
    }


def _attachment_paths() -> dict[str, Any]:
    """C-10 附件: the claim's table, 上传附件 (multipart, streamed), download, delete."""
    from adapter.domain.attachments import MAX_ATTACHMENT_BYTES, MAX_NOTE_CHARS, AttachmentType
    from adapter.portal.claim_attachments import PREFIX

    attachment = {"name": "attachment_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,17}$"}}
    claim = ("claim_no",)
    upload = _portal(
        "C-10 上传附件: PDF, JPEG or PNG by content, at most 4M each and 40M per claim "
        "(413 E-ATTACHMENT-TOO-LARGE / E-ATTACHMENT-TOTAL-TOO-LARGE, read no further)",
        path_params=claim, codes=(201, 404, 409, 413))
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "additionalProperties": False,
                   "properties": {
                       "file": {"type": "string", "format": "binary",
                                "maxLength": MAX_ATTACHMENT_BYTES,
                                "description": "; ".join(k.media_type for k in AttachmentType)},
                       "remark": {"type": "string", "maxLength": MAX_NOTE_CHARS,
                                  "description": "备注"},
                       "summary": {"type": "string", "maxLength": MAX_NOTE_CHARS,
                                   "description": "摘要"}}},
        "encoding": {"file": {"contentType": ", ".join(k.media_type for k in AttachmentType)}}}}}
    download = _portal("C-10 One attachment as stored, with its detected Content-Type (download)",
                       path_params=claim, codes=(200, 404), content="application/octet-stream")
    delete = _portal("C-10 删除 an attachment while the claim may change", path_params=claim,
                     codes=(204, 404, 409))
    delete["responses"]["204"] = {"description": "deleted"}
    for operation in (download, delete):
        operation["parameters"].append(attachment)
    return {
        PREFIX: {"get": _portal("C-10 附件 table: 序号, 类型, 文件名, 备注, 摘要, 上传时间, 文件大小; "
                                "the claim's budget", path_params=claim, codes=(200, 404)),
                 "post": upload},
        PREFIX + "/{attachment_id}": {"get": download, "delete": delete},
    }


def _buyer_paths() -> dict[str, Any]:
    """C-3 买方信息: the insurer's list (【放大镜】, asked while the user waits), the enterprise's
    own buyers, 新建买家信息 (X-OUT-8 create, through the outbox)."""
    from adapter.portal.buyers import PREFIX, BuyerSearch, NewBuyerForm

    search = _portal("C-3 【放大镜】 The insurer's buyer list by 买方代码 or part of 买方英文名称 "
                     "(at least one); 503 within the lookup's time budget when the insurer does "
                     "not answer", query=BuyerSearch, codes=(200, 503))
    fields = _inline(BuyerSearch.model_json_schema())["properties"]
    for parameter in search["parameters"]:
        options = fields[parameter["name"]].get("anyOf", [fields[parameter["name"]]])
        pattern = next((o["pattern"] for o in options if "pattern" in o), None)
        if pattern is not None:
            parameter["schema"]["pattern"] = pattern
    return {
        PREFIX: {
            "get": search,
            "post": _portal("C-3 新建买家信息 (X-OUT-8): 202 with the buyer 登记中, named by its "
                            "registration serial until the insurer's code comes back; needs 签约成功",
                            body=NewBuyerForm, codes=(202, 409, 503))},
        PREFIX + "/own": {"get": _portal(
            "C-3 The enterprise's buyers, newest first: 已选用, 登记中, 已登记 (codes asked for again)",
            codes=(200, 503))},
    }
