"""SOAP gateway: zeep, strict, built from the insurer's WSDL in ``contracts/``.

The stored document goes into the SOAP Body byte for byte: a signature over it must still
verify at the insurer, and every retry sends what was committed. So zeep does not
serialise the document; it builds, once per operation, the envelope around an empty
placeholder of the operation's element (binding, SOAP 1.1 or 1.2, headers, SOAPAction or
``action`` parameter), and each send splices the stored bytes where that placeholder was.
The document was checked against its XSD when it was rendered, before it was queued.

The answer is read by the hub's hardened parser (no DTD, no entities, no network, depth
limit), as any partner's bytes are. A SOAP fault in it goes to zeep's binding, which reads
it by the SOAP version's rules and raises :class:`zeep.exceptions.Fault`; an
acknowledgement is checked against ``acknowledgement.xsd``, the schema the WSDL imports
for every operation's output, with all its facets. zeep's typed reading of a successful
reply would only build objects the hub throws away, at about 0.15 ms a send. zeep is
imported only here and in its transport (``zeep_transport``), which carries the envelopes
over aiohttp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import aiohttp
import zeep
from lxml import etree
from requests import Response
from zeep import xsd
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.wsdl.utils import etree_to_string

from adapter.config import PartnerSettings
from adapter.domain.errors import (
    DeliveryClientFault,
    DeliveryConnection,
    DeliveryFailed,
    DeliveryHttpStatus,
    DeliveryInternal,
    DeliveryMalformedAnswer,
    DeliveryServerFault,
)
from adapter.domain.exchange import OutboundDocument
from adapter.mappings.registry import DocumentType, by_message_type
from adapter.outbound.gateway import judge_ack, partner_session, read_answer
from adapter.outbound.zeep_transport import AiohttpTransport

WSDL_NS = "urn:swcredit:insurer:wsdl:1"
_GAP = "\N{OBJECT REPLACEMENT CHARACTER}document\N{OBJECT REPLACEMENT CHARACTER}"
_PROLOGUE = re.compile(rb"\A(?:\xef\xbb\xbf)?(<\?xml\s[^>]*\?>)?\s*")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")


@dataclass(frozen=True, slots=True)
class SoapTemplate:
    """One operation's envelope as zeep builds it, cut open where the document goes."""

    operation: Any
    head: bytes
    tail: bytes
    headers: dict[str, str]

    def envelope(self, payload: bytes) -> bytes:
        return b"".join((self.head, document_bytes(payload), self.tail))


def document_bytes(payload: bytes) -> bytes:
    """The stored document as it sits inside the Body: its XML declaration (and a byte
    order mark) cannot follow the envelope's, and the envelope is UTF-8, so the document
    must be too."""
    prologue = _PROLOGUE.match(payload)
    if prologue is None or not prologue.group():
        return payload
    encoding = _ENCODING.search(prologue.group(1) or b"")
    if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        raise DeliveryInternal(f"stored document is {encoding.group(1)!r}, not UTF-8")
    return payload[prologue.end():]


class SoapGateway:
    def __init__(self, partner: PartnerSettings, *, timeout_seconds: float) -> None:
        self.transport = AiohttpTransport(partner_session(partner, timeout_seconds=timeout_seconds),
                                          wsdl_timeout_seconds=timeout_seconds)
        settings = zeep.Settings(strict=True, xml_huge_tree=False, forbid_dtd=True,
                                 forbid_entities=True, forbid_external=True)
        self.client = zeep.AsyncClient(str(partner.soap_wsdl), transport=self.transport,
                                       settings=settings)
        binding = "InsurerSoap12" if partner.soap_version == "1.2" else "InsurerSoap11"
        self.service = self.client.create_service(f"{{{WSDL_NS}}}{binding}", partner.soap_address)
        self.binding = self.service._binding
        self.address: str = self.service._binding_options["address"]
        self.envelope_ns: str = self.binding.nsmap["soap-env"]
        self._templates: dict[str, SoapTemplate] = {}

    async def send(self, document: OutboundDocument) -> bytes:
        template = self.template(by_message_type(document.message_type))
        envelope = template.envelope(document.payload)
        try:
            response = await self.transport.post_bytes(self.address, envelope, template.headers)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryConnection(f"{type(exc).__name__}: {exc}") from exc
        return self._judge(template, response)

    def template(self, doc_type: DocumentType) -> SoapTemplate:
        found = self._templates.get(doc_type.soap_operation)
        if found is None:
            try:
                found = build_template(self.client, self.service, doc_type)
            except (ZeepError, ValueError) as exc:
                raise DeliveryInternal(f"no SOAP envelope for {doc_type.message_type}: {exc}") from exc
            self._templates[doc_type.soap_operation] = found
        return found

    def _judge(self, template: SoapTemplate, response: Response) -> bytes:
        """A fault by zeep's binding; an HTTP error without a fault by its status; an
        answer by the acknowledgement in the Body."""
        status, content = response.status_code, response.content
        try:
            reply = read_answer(content)
        except DeliveryMalformedAnswer:
            if status != 200:
                raise DeliveryHttpStatus(status, f"HTTP {status}: {content[:300]!r}") from None
            raise
        body = reply.find(f"{{{self.envelope_ns}}}Body")
        if reply.tag == f"{{{self.envelope_ns}}}Envelope" and body is not None \
                and body.find(f"{{{self.envelope_ns}}}Fault") is not None:
            raise self._fault(reply, template)
        if status != 200:
            raise DeliveryHttpStatus(status, f"HTTP {status} without a SOAP fault: {content[:300]!r}")
        if body is None or len(body) != 1:
            raise DeliveryMalformedAnswer(f"not a SOAP {self.binding.nsmap['soap-env']} reply "
                                          f"with one acknowledgement: {content[:300]!r}")
        return judge_ack(body[0])

    def _fault(self, reply: etree._Element, template: SoapTemplate) -> DeliveryFailed:
        """zeep reads the fault as the binding's SOAP version defines it."""
        try:
            self.binding.process_error(reply, template.operation)
        except Fault as fault:
            return _fault_failure(fault)
        except (ZeepError, ValueError, AttributeError) as exc:
            return DeliveryMalformedAnswer(f"unreadable SOAP fault: {type(exc).__name__}: {exc}")
        return DeliveryMalformedAnswer("a SOAP fault zeep did not raise")

    async def close(self) -> None:
        await self.transport.aclose()


def build_template(client: Any, service: Any, doc_type: DocumentType) -> SoapTemplate:
    """Let zeep write the operation's envelope with the document's element left empty,
    then cut the envelope open where that element sits."""
    binding = service._binding
    operation = binding.get(doc_type.soap_operation)
    if operation is None:
        raise ValueError(f"the WSDL has no operation {doc_type.soap_operation}")
    if operation.abstract.wsa_action:
        raise ValueError("WS-Addressing headers differ per send and cannot come from a template")
    empty = {name: xsd.SkipValue for name, _ in operation.input.body.type.elements}
    envelope, headers = binding._create(doc_type.soap_operation, (), empty, client=client,
                                        options=service._binding_options)
    body = envelope.find(f"{{{binding.nsmap['soap-env']}}}Body")
    if body is None or len(body) != 1 or body[0].tag != doc_type.root:
        raise ValueError(f"{doc_type.soap_operation} does not take a {doc_type.root} document")
    body.remove(body[0])
    body.text = _GAP
    head, gap, tail = etree_to_string(envelope).partition(_GAP.encode("utf-8"))
    if not gap:
        raise ValueError("the envelope lost its placeholder")
    return SoapTemplate(operation, head, tail, dict(headers))


def _fault_failure(fault: Fault) -> DeliveryFailed:
    """Server / Receiver faults may pass; Client / Sender faults will not."""
    code = str(fault.code or "")
    detail = f"SOAP fault {code}: {fault.message}"
    if code.endswith(("Client", "Sender")):
        return DeliveryClientFault(detail)
    return DeliveryServerFault(detail)
