"""Pushing insurer documents to the hub, over REST or over SOAP via the hub's own WSDL.

SOAP goes through zeep built from the WSDL the hub serves, as a real insurer's
client would, so a hub whose WSDL and behaviour disagree fails here. zeep stays
strict; external imports must stay allowed because the WSDL pulls its schemas from
the hub (``../xsd/*.xsd``). zeep is synchronous for WSDL loading, so the async entry
point runs it in a worker thread and a hub on the same event loop keeps answering.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Any

import aiohttp
import requests
from lxml import etree
from zeep import Client
from zeep import Settings as ZeepSettings
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

from mock_insurer.ack import ACCEPTED, DUPLICATE
from mock_insurer.catalogue import ACK_NS
from mock_insurer.documents import document_type_of
from mock_insurer.xmlsafe import XmlRejected, parse_untrusted, serialise

DEFAULT_USER = "sinosure"
DEFAULT_PASSWORD = "insurer-secret"
SOAP_PORTS = {"1.1": "HubSoap11", "1.2": "HubSoap12"}
MAX_REPLY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class PushResult:
    """What came back. ``ack_xml`` is the Acknowledgement, whether in a reply or a fault."""

    channel: str
    http_status: int | None
    ack_status: str | None
    ack_xml: bytes | None
    fault_code: str | None = None
    error: str | None = None
    """Set when the answer held no acknowledgement (e.g. an HTTP 500 page)."""

    @property
    def delivered(self) -> bool:
        """The hub has the document (first time or again)."""
        return self.ack_status in (ACCEPTED, DUPLICATE)

    def ack_field(self, name: str) -> str | None:
        if self.ack_xml is None:
            return None
        value: str | None = etree.fromstring(self.ack_xml).findtext(f"{{{ACK_NS}}}{name}")
        return value

    @property
    def error_codes(self) -> list[str]:
        if self.ack_xml is None:
            return []
        root = etree.fromstring(self.ack_xml)
        return [
            code or "" for code in root.xpath("a:Error/a:Code/text()", namespaces={"a": ACK_NS})
        ]


def find_ack(root: etree._Element) -> etree._Element | None:
    """The first Acknowledgement in a reply: the root itself, a SOAP body or a fault detail."""
    if root.tag == f"{{{ACK_NS}}}Acknowledgement":
        return root
    return next(root.iter(f"{{{ACK_NS}}}Acknowledgement"), None)


def _result(channel: str, status: int | None, body: bytes) -> PushResult:
    try:
        ack = find_ack(parse_untrusted(body, max_bytes=MAX_REPLY_BYTES))
    except XmlRejected as exc:
        return PushResult(channel, status, None, None, error=exc.reason)
    if ack is None:
        return PushResult(channel, status, None, None, error="no acknowledgement in the reply")
    status_text = ack.findtext(f"{{{ACK_NS}}}Status")
    return PushResult(channel, status, status_text, serialise(ack, declaration=False))


def basic_auth(user: str, password: str) -> str:
    """An ``Authorization: Basic`` value (aiohttp's BasicAuth helper is deprecated)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


# --- REST ------------------------------------------------------------------------------


async def push_rest(
    hub_url: str,
    document: bytes,
    *,
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
    timeout: float = 10.0,
) -> PushResult:
    """``POST {hub}/insurer/v1/documents/{slug}``; connection errors propagate."""
    slug = document_type_of(document).slug
    url = f"{hub_url.rstrip('/')}/insurer/v1/documents/{slug}"
    headers = {
        "Content-Type": "application/xml; charset=utf-8",
        "Authorization": basic_auth(user, password),
    }
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
        session.post(url, data=document, headers=headers) as response,
    ):
        body = await response.read()
        return _result("rest", response.status, body)


# --- SOAP ------------------------------------------------------------------------------


class _RecordingTransport(Transport):
    """Keeps the last reply's status and bytes, which zeep does not hand back on its own."""

    last_status: int | None = None
    last_body: bytes = b""

    def post_xml(self, address: str, envelope: Any, headers: Any) -> requests.Response:
        response: requests.Response = super().post_xml(address, envelope, headers)  # type: ignore[no-untyped-call]
        self.last_status = response.status_code
        self.last_body = response.content
        return response


class HubSoapClient:
    """A zeep client on the hub's served WSDL, loaded once and reused for many pushes.

    Blocking, like zeep itself; not for use from several threads at once.
    """

    def __init__(
        self,
        hub_url: str,
        *,
        user: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        timeout: float = 10.0,
    ) -> None:
        base = hub_url.rstrip("/")
        self.address = f"{base}/insurer/soap"
        session = requests.Session()
        session.auth = (user, password)
        self._transport = _RecordingTransport(  # type: ignore[no-untyped-call]
            session=session, timeout=timeout, operation_timeout=timeout
        )
        self._client = Client(  # type: ignore[no-untyped-call]
            f"{self.address}?wsdl",
            transport=self._transport,
            settings=ZeepSettings(strict=True, forbid_dtd=True, forbid_entities=True),
        )

    def push(self, document: bytes, soap_version: str = "1.1") -> PushResult:
        channel = f"soap{soap_version}"
        doc_type = document_type_of(document)
        root = parse_untrusted(document, max_bytes=MAX_REPLY_BYTES)
        # zeep re-serialises from a value, so the built document is parsed into one
        # against the hub's own schema: anything the WSDL does not know fails here.
        element = self._client.get_element(doc_type.root)  # type: ignore[no-untyped-call]
        value = element.parse(root, self._client.wsdl.types)
        binding = self._binding(soap_version)
        service = self._client.create_service(binding, self.address)  # type: ignore[no-untyped-call]
        operation = getattr(service, doc_type.soap_operation)
        self._transport.last_status = None
        try:
            operation(**{name: value[name] for name in value})
        except Fault as fault:
            detail = fault.detail
            ack = find_ack(detail) if detail is not None else None
            return PushResult(
                channel,
                self._transport.last_status,
                None if ack is None else ack.findtext(f"{{{ACK_NS}}}Status"),
                None if ack is None else serialise(ack, declaration=False),
                fault_code=str(fault.code),
                error=None if ack is not None else str(fault.message),
            )
        except TransportError as exc:
            return PushResult(channel, exc.status_code, None, None, error=str(exc))
        return _result(channel, self._transport.last_status, self._transport.last_body)

    def _binding(self, soap_version: str) -> str:
        port = SOAP_PORTS.get(soap_version)
        if port is None:
            raise ValueError(f"SOAP version must be one of {sorted(SOAP_PORTS)}")
        return next(q for q in self._client.wsdl.bindings if etree.QName(q).localname == port)


def push_soap(
    hub_url: str,
    document: bytes,
    *,
    soap_version: str = "1.1",
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
    timeout: float = 10.0,
) -> PushResult:
    """One SOAP push (loads the WSDL each time); blocking."""
    client = HubSoapClient(hub_url, user=user, password=password, timeout=timeout)
    return client.push(document, soap_version)


async def push(
    hub_url: str,
    document: bytes,
    *,
    channel: str = "rest",
    soap_version: str = "1.1",
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
    timeout: float = 10.0,
) -> PushResult:
    """Push over ``rest`` or ``soap``; safe to await on the event loop the hub runs on."""
    if channel == "rest":
        return await push_rest(hub_url, document, user=user, password=password, timeout=timeout)
    if channel == "soap":
        return await asyncio.to_thread(
            push_soap,
            hub_url,
            document,
            soap_version=soap_version,
            user=user,
            password=password,
            timeout=timeout,
        )
    raise ValueError("channel must be 'rest' or 'soap'")
