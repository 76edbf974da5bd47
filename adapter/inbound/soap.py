"""SOAP channel: document/literal, SOAP 1.1 and 1.2 on one URL, the WSDL at ``?wsdl``.

The body's single child is the document; it goes through the same receiver as REST.
A rejected document is answered with a fault (Client / Sender) whose detail carries
the REJECTED acknowledgement, as the WSDL declares.
"""

from __future__ import annotations

from functools import cache

from aiohttp import web
from lxml import etree

from adapter.config import REPO_ROOT, Settings
from adapter.domain.errors import DocumentRejected, MalformedDocument
from adapter.inbound.http_edge import (
    authenticated_sender,
    close_if_unread,
    read_limited,
    unauthorized,
)
from adapter.inbound.receiver import RETRY_AFTER_SECONDS, Receiver, http_status
from adapter.mappings import acknowledgement
from adapter.mappings.xml_safety import parse_untrusted
from adapter.service_layer.receiving import Reception, Request

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CONTENT_TYPES = {SOAP11: "text/xml", SOAP12: "application/soap+xml"}
WSDL_PATH = REPO_ROOT / "contracts" / "hub.wsdl"
XSD_DIR = REPO_ROOT / "xsd"
SOAP_PATH = "/insurer/soap"


def soap_version(content_type: str) -> str:
    return SOAP12 if content_type.startswith("application/soap+xml") else SOAP11


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
    reason = f"{error.code}: {error.message_zh}"
    ack = acknowledgement.to_element(reception.ack)
    fault = etree.Element(f"{{{ns}}}Fault")
    # The partner's fault (Client/Sender) unless the hub could not store it (Server/Receiver).
    ours = http_status(error) == 503
    if ns == SOAP11:
        etree.SubElement(fault, "faultcode").text = "soap:Server" if ours else "soap:Client"
        etree.SubElement(fault, "faultstring").text = reason
        etree.SubElement(fault, "detail").append(ack)
    else:
        code = etree.SubElement(fault, f"{{{ns}}}Code")
        etree.SubElement(code, f"{{{ns}}}Value").text = "soap:Receiver" if ours else "soap:Sender"
        text = etree.SubElement(etree.SubElement(fault, f"{{{ns}}}Reason"), f"{{{ns}}}Text")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "zh")
        text.text = reason
        etree.SubElement(fault, f"{{{ns}}}Detail").append(ack)
    return envelope_bytes(ns, fault)


@cache
def _wsdl_template() -> str:
    return WSDL_PATH.read_text(encoding="utf-8")


def served_wsdl(base_url: str) -> str:
    """The committed WSDL with the port addresses pointing at this running hub."""
    return _wsdl_template().replace("http://127.0.0.1:8080/insurer/soap", base_url + SOAP_PATH)


def routes(receiver: Receiver, settings: Settings) -> list[web.RouteDef]:
    limit = settings.limits.max_document_bytes

    def extract(raw: bytes) -> etree._Element:
        return body_document(parse_untrusted(raw, max_bytes=limit))

    async def post_envelope(request: web.Request) -> web.Response:
        sender = authenticated_sender(request, settings.inbound)
        if sender is None:
            return unauthorized()
        ns = soap_version(request.content_type)
        body = await read_limited(request, limit=limit,
                                  keep_prefix=settings.limits.stored_prefix_of_oversized_bytes)
        reception = await receiver.receive(
            Request("soap" + ("12" if ns == SOAP12 else "11"), body.data, body.size, sender,
                    body.truncated), extract)
        if reception.error is None:
            payload = envelope_bytes(ns, acknowledgement.to_element(reception.ack))
            status = 200
        else:
            payload = fault_bytes(ns, reception)
            status = 500 if ns == SOAP11 else _soap12_status(reception.error)
        response = web.Response(body=payload, status=status, content_type=CONTENT_TYPES[ns],
                                charset="utf-8")
        if http_status(reception.error) == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return close_if_unread(response, body)

    async def get_wsdl(request: web.Request) -> web.Response:
        if "wsdl" not in {key.lower() for key in request.query}:
            raise web.HTTPMethodNotAllowed("GET", ["POST"])
        base = settings.public_base_url or f"{request.scheme}://{request.host}"
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


def _soap12_status(error: DocumentRejected) -> int:
    status = http_status(error)
    return status if status in (413, 503) else 400
