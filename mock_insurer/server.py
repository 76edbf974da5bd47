"""The insurer's HTTP face: the business app (SOAP, REST, WSDL) and the admin app (JSON).

Two apps on two ports, so that a 'refuse' fault can close the business port while the
admin port stays up to switch it back.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import hmac
from typing import Any

from aiohttp import hdrs, web
from lxml import etree

from mock_insurer import buyers
from mock_insurer.ack import AckError, DocumentRef, ack_bytes
from mock_insurer.catalogue import RECEIVED_TYPES, by_root, by_slug
from mock_insurer.faults import Fault, FaultMode
from mock_insurer.intake import Outcome, log_fault, reject, take_in
from mock_insurer.settings import Settings
from mock_insurer.soap import (
    FaultKind,
    SoapRequestError,
    SoapVersion,
    body_payload,
    envelope,
    fault,
    parse_content_type,
    version_for,
)
from mock_insurer.state import InsurerState
from mock_insurer.xmlsafe import XmlRejected, parse_untrusted

STATE = web.AppKey("insurer_state", InsurerState)
XML_CONTENT_TYPE = "application/xml; charset=utf-8"
REST_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
NOT_XML = b"<<< this is not XML: the insurer's reply was garbled >>>"
WSDL_NS = {
    "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
    "soap12": "http://schemas.xmlsoap.org/wsdl/soap12/",
}


def build_apps(
    settings: Settings, state: InsurerState | None = None
) -> tuple[web.Application, web.Application]:
    """Return ``(business_app, admin_app)`` sharing one :class:`InsurerState`."""
    state = state or InsurerState(settings)
    business = web.Application(client_max_size=settings.max_body_bytes)
    business[STATE] = state
    business.router.add_get("/soap", serve_wsdl)
    business.router.add_post("/soap", soap_endpoint)
    business.router.add_get("/xsd/{name}", serve_xsd)
    business.router.add_post("/api/v1/documents/{slug}", rest_endpoint)

    admin = web.Application()
    admin[STATE] = state
    admin.router.add_get("/admin/received", admin_received)
    admin.router.add_get("/admin/received/{business_serial}", admin_received_one)
    admin.router.add_get("/admin/attempts", admin_attempts)
    admin.router.add_get("/admin/claim-files", admin_claim_files)
    admin.router.add_get("/admin/claim-files/{business_serial}", admin_claim_files_one)
    admin.router.add_post("/admin/reset", admin_reset)
    admin.router.add_get("/admin/fault", admin_get_fault)
    admin.router.add_put("/admin/fault", admin_put_fault)
    return business, admin


# --- contracts -------------------------------------------------------------------------


async def serve_wsdl(request: web.Request) -> web.Response:
    """``GET /soap?wsdl``: insurer.wsdl with its addresses pointing at this server."""
    if not any(key.lower() == "wsdl" for key in request.query):
        raise web.HTTPMethodNotAllowed("GET", ["POST"], text="GET /soap?wsdl for the WSDL")
    state = request.app[STATE]
    base = state.settings.public_base_url or f"{request.scheme}://{request.host}"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    wsdl = etree.fromstring(state.wsdl_template, parser)
    for address in wsdl.xpath("//soap:address | //soap12:address", namespaces=WSDL_NS):
        address.set("location", f"{base.rstrip('/')}/soap")
    body = etree.tostring(wsdl, xml_declaration=True, encoding="UTF-8")
    return web.Response(body=body, content_type="text/xml", charset="utf-8")


async def serve_xsd(request: web.Request) -> web.Response:
    """``GET /xsd/{name}``: only files that exist in ``xsd/`` (looked up by exact name)."""
    content = request.app[STATE].xsd_files.get(request.match_info["name"])
    if content is None:
        raise web.HTTPNotFound(text="no such schema")
    return web.Response(body=content, content_type="text/xml", charset="utf-8")


# --- business endpoints ----------------------------------------------------------------


async def soap_endpoint(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    if not _authorised(request, state):
        return _unauthorised()
    media_type, params = parse_content_type(request.headers.get(hdrs.CONTENT_TYPE, ""))
    version = version_for(media_type)
    if version is None:
        raise web.HTTPUnsupportedMediaType(
            text="SOAP 1.1 needs text/xml, SOAP 1.2 needs application/soap+xml"
        )
    current = state.faults.take()
    early = await _early_fault(request, state, current, version.channel)
    if early is not None:
        return early

    def rejected(
        code: str,
        reason: str,
        kind: FaultKind = FaultKind.CLIENT,
        ref: DocumentRef | None = None,
    ) -> web.Response:
        errors = [AckError(code, reason)]
        outcome = reject(
            state, ref or DocumentRef(), errors, channel=version.channel, fault=current
        )
        return _soap_fault(version, outcome, kind)

    try:
        body = await request.read()
        payload = body_payload(
            parse_untrusted(body, max_bytes=state.settings.max_body_bytes), version
        )
    except web.HTTPRequestEntityTooLarge:
        return rejected("E-XML-TOO-LARGE", "request body too large")
    except XmlRejected as exc:
        return rejected(exc.code, exc.reason)
    except SoapRequestError as exc:
        return rejected(exc.code, exc.reason, exc.kind)

    if payload.tag == buyers.LOOKUP_ROOT:
        answer = buyers.soap_answer(state.buyers, state.schemas, version, payload,
                                    _soap_action(request, version, params), current)
        return _late_fault(request, current) or answer
    doc_type = by_root(RECEIVED_TYPES, payload.tag)
    if doc_type is None:
        return rejected("E-UNKNOWN-OPERATION", f"no operation takes {payload.tag}")
    ref = DocumentRef.of(payload)
    action = _soap_action(request, version, params)
    if action is None:
        return rejected("E-SOAP-ACTION", "the SOAPAction header is missing", ref=ref)
    if action and action != doc_type.soap_action:
        reason = f"action {action!r} does not match {doc_type.soap_operation}"
        return rejected("E-SOAP-ACTION", reason, ref=ref)
    # A standalone copy, so the schema sees the document as its own root.
    document = copy.deepcopy(payload)
    outcome = take_in(state, doc_type, document, raw=body, channel=version.channel, fault=current)
    if outcome.blame is not None:
        return _soap_fault(version, outcome, outcome.blame)
    return _late_fault(request, current) or web.Response(
        body=envelope(version, outcome.ack), content_type=version.media_type, charset="utf-8"
    )


async def rest_endpoint(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    if not _authorised(request, state):
        return _unauthorised()
    if request.match_info["slug"] == buyers.LOOKUP_SLUG:
        return await _rest_lookup(request, state)
    doc_type = by_slug(RECEIVED_TYPES, request.match_info["slug"])
    if doc_type is None:
        raise web.HTTPNotFound(text="no such document type")
    media_type, _ = parse_content_type(request.headers.get(hdrs.CONTENT_TYPE, ""))
    if media_type not in REST_MEDIA_TYPES:
        raise web.HTTPUnsupportedMediaType(text="send the document as application/xml")
    current = state.faults.take()
    early = await _early_fault(request, state, current, "rest")
    if early is not None:
        return early

    def rejected(
        code: str, reason: str, status: int = 400, ref: DocumentRef | None = None
    ) -> web.Response:
        errors = [AckError(code, reason)]
        outcome = reject(state, ref or DocumentRef(), errors, channel="rest", fault=current)
        return _xml_response(outcome, status)

    try:
        body = await request.read()
        document = parse_untrusted(body, max_bytes=state.settings.max_body_bytes)
    except web.HTTPRequestEntityTooLarge:
        return rejected("E-XML-TOO-LARGE", "request body too large", 413)
    except XmlRejected as exc:
        return rejected(exc.code, exc.reason)
    if document.tag != doc_type.root:
        reason = f"expected {doc_type.root}, got {document.tag}"
        return rejected("E-WRONG-DOCUMENT", reason, ref=DocumentRef.of(document))
    outcome = take_in(state, doc_type, document, raw=body, channel="rest", fault=current)
    if outcome.blame is not None:
        return _xml_response(outcome, 500 if outcome.blame is FaultKind.SERVER else 400)
    return _late_fault(request, current) or _xml_response(outcome, 200)


async def _rest_lookup(request: web.Request, state: InsurerState) -> web.StreamResponse:
    """``POST /api/v1/documents/buyer-lookup``: answered with the reply, stored nowhere."""
    media_type, _ = parse_content_type(request.headers.get(hdrs.CONTENT_TYPE, ""))
    if media_type not in REST_MEDIA_TYPES:
        raise web.HTTPUnsupportedMediaType(text="send the lookup as application/xml")
    current = state.faults.take()
    early = await _early_fault(request, state, current, "rest")
    if early is not None:
        return early
    try:
        document = parse_untrusted(await request.read(), max_bytes=state.settings.max_body_bytes)
    except web.HTTPRequestEntityTooLarge:
        return web.Response(status=413, text="request body too large")
    except XmlRejected as exc:
        return web.Response(status=400, text=f"{exc.code}: {exc.reason}")
    answer = buyers.rest_answer(state.buyers, state.schemas, document, current)
    return _late_fault(request, current) or answer


def _authorised(request: web.Request, state: InsurerState) -> bool:
    header = request.headers.get(hdrs.AUTHORIZATION, "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    settings = state.settings
    # Both comparisons always run, so timing does not tell which part was wrong.
    user_ok = hmac.compare_digest(user.encode(), settings.user.encode())
    password_ok = hmac.compare_digest(password.encode(), settings.password.encode())
    return bool(sep) and user_ok and password_ok


def _unauthorised() -> web.Response:
    return web.Response(
        status=401,
        text="authentication required",
        headers={hdrs.WWW_AUTHENTICATE: 'Basic realm="sinosure", charset="UTF-8"'},
    )


def _soap_action(request: web.Request, version: SoapVersion, params: dict[str, str]) -> str | None:
    """The requested action: SOAPAction header (1.1, required) or the action parameter (1.2)."""
    if version.name == "1.1":
        header = request.headers.get("SOAPAction")
        return None if header is None else header.strip().strip('"')
    return params.get("action", "")


async def _early_fault(
    request: web.Request, state: InsurerState, current: Fault, channel: str
) -> web.StreamResponse | None:
    """Faults that strike before the document is read; None lets the request through."""
    mode = current.mode
    if mode is FaultMode.SLOW:
        await asyncio.sleep(current.seconds or 0)
        return None
    if mode is FaultMode.REFUSE:
        # Only a connection opened before the port closed gets here: cut it like a reset.
        log_fault(state, channel=channel, fault=current)
        return _abort(request)
    if mode is FaultMode.HTTP500:
        log_fault(state, channel=channel, fault=current)
        return web.Response(status=500, text="internal server error (injected)")
    if mode is FaultMode.HTTP429:
        log_fault(state, channel=channel, fault=current)
        return web.Response(
            status=429, text="too many requests (injected)", headers={hdrs.RETRY_AFTER: "1"}
        )
    return None


def _late_fault(request: web.Request, current: Fault) -> web.StreamResponse | None:
    """Faults that strike after the document was stored: the client never sees the ack."""
    if current.mode is FaultMode.MALFORMED:
        return web.Response(body=NOT_XML, content_type="text/xml", charset="utf-8")
    if current.mode is FaultMode.DROP_RESPONSE:
        return _abort(request)
    return None


def _abort(request: web.Request) -> web.Response:
    """Close the connection without a byte of response (aiohttp then skips writing one)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=503)


def _soap_fault(version: SoapVersion, outcome: Outcome, kind: FaultKind) -> web.Response:
    return web.Response(
        status=version.fault_status(kind),
        body=fault(version, kind, outcome.reason or "rejected", outcome.ack),
        content_type=version.media_type,
        charset="utf-8",
    )


def _xml_response(outcome: Outcome, status: int) -> web.Response:
    return web.Response(
        status=status, body=ack_bytes(outcome.ack), content_type="application/xml", charset="utf-8"
    )


# --- admin -----------------------------------------------------------------------------


async def admin_received(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].store.summary())


async def admin_received_one(request: web.Request) -> web.Response:
    record = request.app[STATE].store.get(request.match_info["business_serial"])
    if record is None:
        raise web.HTTPNotFound(text="nothing received with that business serial")
    return web.json_response(record.detail())


async def admin_claim_files(request: web.Request) -> web.Response:
    """Every claim's files as fetched and checked (mock_insurer/claim_files.py)."""
    return web.json_response(request.app[STATE].claim_files.summary())


async def admin_claim_files_one(request: web.Request) -> web.Response:
    result = request.app[STATE].claim_files.results.get(request.match_info["business_serial"])
    if result is None:
        raise web.HTTPNotFound(text="no claim files checked for that business serial")
    return web.json_response(result.as_json())


async def admin_attempts(request: web.Request) -> web.Response:
    attempts = request.app[STATE].store.attempts()
    return web.json_response({"attempts": [a.as_json() for a in attempts]})


async def admin_reset(request: web.Request) -> web.Response:
    state = request.app[STATE]
    await state.reset()
    return web.json_response(_fault_json(state))


async def admin_get_fault(request: web.Request) -> web.Response:
    return web.json_response(_fault_json(request.app[STATE]))


async def admin_put_fault(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        payload: Any = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(payload, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    try:
        mode = FaultMode(str(payload.get("mode")))
        count = _optional_number(payload, "count", int)
        seconds = _optional_number(payload, "seconds", float)
        await state.set_fault(mode, None if count is None else int(count), seconds)
    except (ValueError, TypeError) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    except RuntimeError as exc:
        raise web.HTTPConflict(text=str(exc)) from None
    return web.json_response(_fault_json(state))


def _optional_number(payload: dict[str, Any], key: str, kind: type) -> Any:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{key} must be a number")
    if kind is int and value != int(value):
        raise ValueError(f"{key} must be an integer")
    return kind(value)


def _fault_json(state: InsurerState) -> dict[str, Any]:
    return {**state.faults.current.as_json(), "listening": state.listening}
