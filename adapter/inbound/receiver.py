"""The channels' common edge: limits, safe parsing, schema, envelope checks, then the use case.

The channel hands over the raw request and a function that finds the document in it;
this reads and checks the document once, for every channel and every type, and passes
it to :class:`Receiving`, which stores, applies and acknowledges it. Which HTTP status an
answer gets is decided here, at the edge.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from adapter.domain.errors import (
    BusinessRuleViolation,
    DocumentRejected,
    DocumentTooLarge,
    EnvelopeMessageType,
    EnvelopeReceiver,
    EnvelopeSender,
    HubUnavailable,
    SoapMustUnderstand,
    UnsupportedMediaType,
    WrongEndpoint,
)
from adapter.domain.exchange import Envelope
from adapter.mappings import schemas
from adapter.mappings.envelope import peek_envelope, read_envelope
from adapter.mappings.registry import DocumentType, inbound_by_root
from adapter.service_layer.receiving import Arrival, Receiving, Reception, Request

Extractor = Callable[[bytes], etree._Element]
# Told of every answer: the request as received and the reception it got (for metrics).
Observer = Callable[[Request, Reception], None]


# Seconds a partner is asked to wait before sending again a document the hub could not store.
RETRY_AFTER_SECONDS = 5


def http_status(error: DocumentRejected | None) -> int:
    """200 for an acknowledged document; 413 too large, 415 not XML, 422 a rule refused it,
    503 nothing was stored (send again), else 400."""
    if error is None:
        return 200
    if isinstance(error, HubUnavailable):
        return 503
    if isinstance(error, UnsupportedMediaType):
        return 415
    if isinstance(error, SoapMustUnderstand):
        return 500  # SOAP's HTTP binding answers every MustUnderstand fault with 500
    if isinstance(error, DocumentTooLarge):
        return 413
    if isinstance(error, BusinessRuleViolation):
        return 422
    return 400


class Receiver:
    def __init__(self, receiving: Receiving, *, hub_code: str, max_bytes: int,
                 observe: Observer | None = None) -> None:
        self.receiving = receiving
        self.hub_code = hub_code
        self.max_bytes = max_bytes
        self.observe = observe

    async def receive(self, request: Request, extract: Extractor,
                      expected: DocumentType | None = None) -> Reception:
        reception = await self._receive(request, extract, expected)
        if self.observe is not None:
            self.observe(request, reception)
        return reception

    async def _receive(self, request: Request, extract: Extractor,
                       expected: DocumentType | None) -> Reception:
        root: etree._Element | None = None
        try:
            if request.refusal is not None:
                raise request.refusal
            if request.truncated:
                raise DocumentTooLarge(f"document of {request.size} bytes exceeds the limit "
                                       f"of {self.max_bytes} bytes")
            root = extract(request.raw)
            arrival = self._read(request, root, expected)
        except DocumentRejected as error:
            peeked = peek_envelope(root) if root is not None else {}
            return await self.receiving.refuse(request, error, peeked)
        return await self.receiving.accept(arrival)

    def _read(self, request: Request, root: etree._Element,
              expected: DocumentType | None) -> Arrival:
        doc_type = inbound_by_root(root.tag)
        if expected and expected is not doc_type:
            raise WrongEndpoint(f"{expected.slug} expects {expected.root}", path="/")
        schemas.validate(root, doc_type.xsd)
        envelope = read_envelope(root)
        self._check_envelope(request, doc_type, envelope)
        return Arrival(request, doc_type.kind, envelope, doc_type.from_element(root))

    def _check_envelope(self, request: Request, doc_type: DocumentType, envelope: Envelope) -> None:
        head = f"/{etree.QName(doc_type.root).localname}/Envelope"
        if envelope.message_type != doc_type.message_type:
            raise EnvelopeMessageType(f"MessageType {envelope.message_type} on a "
                                      f"{doc_type.message_type}", path=f"{head}/MessageType")
        if envelope.sender != request.sender:
            raise EnvelopeSender(f"Sender {envelope.sender} is not the caller {request.sender}",
                                 path=f"{head}/Sender")
        if envelope.receiver != self.hub_code:
            raise EnvelopeReceiver(f"Receiver {envelope.receiver} is not {self.hub_code}",
                                   path=f"{head}/Receiver")
