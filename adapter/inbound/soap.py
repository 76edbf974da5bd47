"""SOAP channel: document/literal, SOAP 1.1 and 1.2 on one URL, the WSDL at ``?wsdl``.

The body's single child is the document; it goes through the same receiver as REST.
A rejected document is answered with a fault (Client / Sender) whose detail carries
the REJECTED acknowledgement, as the WSDL declares.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from aiohttp import web
from lxml import etree

from adapter.config import REPO_ROOT, Settings
from adapter.domain.errors import (
    DocumentRejected,
    MalformedDocument,
    SoapActionMismatch,
    SoapMustUnderstand,
    UnknownDocumentType,
    UnsupportedMediaType,
)
from adapter.inbound.http_edge import (
    authenticated_sender,
    close_if_unread,
    read_limited,
    unauthorized,
)
from adapter.inbound.receiver import RETRY_AFTER_SECONDS, Receiver, http_status
from adapter.mappings import acknowledgement
from adapter.mappings.registry import inbound_by_root
from adapter.mappings.xml_safety import parse_untrusted
from adapter.service_layer.receiving import Reception, Request

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CONTENT_TYPES = {SOAP11: "text/xml", SOAP12: "application/soap+xml"}
WSDL_PATH = REPO_ROOT / "contracts" / "hub.wsdl"
XSD_DIR = REPO_ROOT / "xsd"
SOAP_PATH = "/insurer/soap"
# soapAction of every operation in the WSDL: this prefix and the operation's name.
SOAP_ACTION_PREFIX = "urn:swcredit:hub:"


def soap_version(content_type: str) -> str:
    return SOAP12 if content_type.startswith("application/soap+xml") else SOAP11


def understood_headers(envelope: etree._Element) -> None:
    """The hub processes no SOAP header block: one marked mustUnderstand is a
    MustUnderstand fault, as both SOAP versions require; others are ignored."""
    ns = etree.QName(envelope).namespace
    header = envelope.find(f"{{{ns}}}Header")
    if header is None:
        return
    for block in header:
        if isinstance(block.tag, str) and block.get(f"{{{ns}}}mustUnderstand") in ("1", "true"):
            raise SoapMustUnderstand(f"header {block.tag} is not understood",
                                     path=f"/Envelope/Header/{etree.QName(block).localname}")


def requested_action(request: web.Request, ns: str) -> str:
    """SOAPAction (1.1) or the media type's ``action`` parameter (1.2), unquoted."""
    if ns == SOAP11:
        return request.headers.get("SOAPAction", "").strip().strip('"')
    return request.headers.get("Content-Type", "").partition("action=")[2].split(";")[0].strip('" ')


def check_action(action: str, document: etree._Element) -> None:
    """A stated action must be the body's operation (an empty one states nothing)."""
    if not action:
        return
    try:
        expected = SOAP_ACTION_PREFIX + inbound_by_root(document.tag).soap_operation
    except UnknownDocumentType:
        return  # the receiver refuses it as unknown, naming what it could read
    if action != expected:
        raise SoapActionMismatch(f"SOAPAction {action[:100]} but the body is {expected}",
                                 path="/Envelope/Body")


def body_document(envelope: etree._Element) -> etree._Element:
    """The one element inside ``Envelope/Body``, or a coded rejection."""
    qname = etree.QName(envelope)
    if qname.localname != "Envelope" or qname.namespace not in CONTENT_TYPES:
        raise MalformedDocument("not a SOAP envelope", path="/Envelope")
    body = envelope.find(f"{{{qname.namespace}}}Body")
    documents = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if len(documents) != 1:
        raise MalformedDocument("SOAP Body must hold exactly one document", path="/Envelope/Body")
    return documents[0]


def envelope_bytes(ns: str, payload: etree._Element) -> bytes:
    env = etree.Element(f"{{{ns}}}Envelope", nsmap={"soap": ns})
    etree.SubElement(env, f"{{{ns}}}Body").append(payload)
    return bytes(etree.tostring(env, xml_declaration=True, encoding="UTF-8"))


def fault_bytes(ns: str, reception: Reception) -> bytes:
    """A Client (1.1) / Sender (1.2) fault whose detail is the REJECTED acknowledgement."""
    error = reception.error
    assert error is not None
    return _fault(ns, _fault_code(ns, error), f"{error.code}: {error.message_zh}",
                  acknowledgement.to_element(reception.ack))


def refusal_fault(ns: str, code: str, message_zh: str) -> bytes:
    """A sender's fault for a refusal before any document was read (too many failed
    logins): SOAP callers get SOAP, with the stable code first in the reason."""
    return _fault(ns, "soap:Client" if ns == SOAP11 else "soap:Sender", f"{code}: {message_zh}")


def _fault(ns: str, fault_code: str, reason: str, detail: etree._Element | None = None) -> bytes:
    fault = etree.Element(f"{{{ns}}}Fault")
    if ns == SOAP11:
        etree.SubElement(fault, "faultcode").text = fault_code
        etree.SubElement(fault, "faultstring").text = reason
        if detail is not None:
            etree.SubElement(fault, "detail").append(detail)
    else:
        code = etree.SubElement(fault, f"{{{ns}}}Code")
        etree.SubElement(code, f"{{{ns}}}Value").text = fault_code
        text = etree.SubElement(etree.SubElement(fault, f"{{{ns}}}Reason"), f"{{{ns}}}Text")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "zh")
        text.text = reason
        if detail is not None:
            etree.SubElement(fault, f"{{{ns}}}Detail").append(detail)
    return envelope_bytes(ns, fault)


def _fault_code(ns: str, error: DocumentRejected) -> str:
    """MustUnderstand for a header the hub does not process; the hub's own fault
    (Server/Receiver) when it could not store the document; else the sender's."""
    if isinstance(error, SoapMustUnderstand):
        return "soap:MustUnderstand"
    if http_status(error) == 503:
        return "soap:Server" if ns == SOAP11 else "soap:Receiver"
    return "soap:Client" if ns == SOAP11 else "soap:Sender"


@cache
def _wsdl_template() -> str:
    return WSDL_PATH.read_text(encoding="utf-8")


def served_wsdl(base_url: str) -> str:
    """The committed WSDL with the port addresses pointing at this running hub."""
    return _wsdl_template().replace("http://127.0.0.1:8080/insurer/soap", base_url + SOAP_PATH)


def routes(receiver: Receiver, settings: Settings) -> list[web.RouteDef]:
    limit = settings.limits.max_document_bytes

    def extractor(action: str) -> Callable[[bytes], etree._Element]:
        def extract(raw: bytes) -> etree._Element:
            envelope = parse_untrusted(raw, max_bytes=limit)
            document = body_document(envelope)
            understood_headers(envelope)
            check_action(action, document)
            return document
        return extract

    async def post_envelope(request: web.Request) -> web.Response:
        sender = authenticated_sender(request, settings.inbound)
        if sender is None:
            return unauthorized()
        ns = soap_version(request.content_type)
        body = await read_limited(request, limit=limit,
                                  keep_prefix=settings.limits.stored_prefix_of_oversized_bytes)
        refusal = body.error or _media_type_refusal(request)
        reception = await receiver.receive(
            Request("soap" + ("12" if ns == SOAP12 else "11"), body.data, body.size, sender,
                    body.truncated, refusal), extractor(requested_action(request, ns)))
        if reception.error is None:
            payload = envelope_bytes(ns, acknowledgement.to_element(reception.ack))
            status = 200
        else:
            payload = fault_bytes(ns, reception)
            status = _soap11_status(reception.error) if ns == SOAP11 else _soap12_status(
                reception.error)
        response = web.Response(body=payload, status=status, content_type=CONTENT_TYPES[ns],
                                charset="utf-8")
        if http_status(reception.error) == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return close_if_unread(response, body)

    async def get_wsdl(request: web.Request) -> web.Response:
        if "wsdl" not in {key.lower() for key in request.query}:
            raise web.HTTPMethodNotAllowed("GET", ["POST"])
        base = settings.public_base_url or _base_from_host(request, settings)
        return web.Response(text=served_wsdl(base), content_type="text/xml", charset="utf-8")

    async def get_xsd(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        path = XSD_DIR / name
        if path.parent != XSD_DIR or not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(text=path.read_text(encoding="utf-8"), content_type="text/xml",
                            charset="utf-8")

    return [web.post(SOAP_PATH, post_envelope), web.get(SOAP_PATH, get_wsdl),
            web.get("/xsd/{name:[a-z_]+\\.xsd}", get_xsd)]


# A Host header is a name or an address, with a port at most: nothing that could close the
# attribute it is written into.
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?")


def _base_from_host(request: web.Request, settings: Settings) -> str:
    """The address the caller used, when ``public_base_url`` is unset and the Host header
    is a plain host[:port]; otherwise the configured listening address."""
    host = request.headers.get("Host", "")
    if _HOST.fullmatch(host):
        return f"{request.scheme}://{host}"
    return f"http://{settings.host}:{settings.port}"


def _soap11_status(error: DocumentRejected) -> int:
    """SOAP 1.1 sends every fault with 500; a body that is not SOAP at all is a 415."""
    return 415 if http_status(error) == 415 else 500


def _soap12_status(error: DocumentRejected) -> int:
    status = http_status(error)
    return status if status in (413, 415, 500, 503) else 400


def _media_type_refusal(request: web.Request) -> UnsupportedMediaType | None:
    """SOAP 1.1 travels as ``text/xml``, SOAP 1.2 as ``application/soap+xml``."""
    if request.content_type in CONTENT_TYPES.values():
        return None
    return UnsupportedMediaType(f"Content-Type {request.headers.get('Content-Type', '(none)')!r}"[:200])
