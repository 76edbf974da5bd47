"""Each catalogued message type with its XML side: root element and mapping functions.

The catalogue (``adapter.domain.messages``) says what a type is; this adds how it is read
and written. Channels route by ``root`` (SOAP body child) or ``slug`` (REST URL); the
outbox and the gateways look types up by ``message_type``. The mapping module of a type
is ``adapter/mappings/<stem>.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from lxml import etree

from adapter.domain import messages
from adapter.domain.errors import UnknownDocumentType
from adapter.domain.exchange import Envelope
from adapter.domain.messages import Direction, MessageKind
from adapter.mappings import (
    agreement_stamp,
    application_receipt,
    buyer_registration,
    claim_application,
    claim_review,
    data_authorization,
    inquiry_reply,
    insurance_application,
    insurance_inquiry,
    pending_policy,
    receipt_acknowledgement,
    risk_article,
    schemas,
    signed_agreement,
    termination_request,
    termination_result,
)
from adapter.mappings.xml_safety import parse_trusted

# The mapping module of each catalogued type: one line per message type.
MAPPINGS: dict[str, ModuleType] = {
    messages.AGREEMENT_STAMP.message_type: agreement_stamp,
    messages.TERMINATION_RESULT.message_type: termination_result,
    messages.SIGNED_AGREEMENT.message_type: signed_agreement,
    messages.TERMINATION_REQUEST.message_type: termination_request,
    messages.DATA_AUTHORIZATION.message_type: data_authorization,
    messages.PENDING_POLICY.message_type: pending_policy,
    messages.APPLICATION_RECEIPT.message_type: application_receipt,
    messages.INSURANCE_APPLICATION.message_type: insurance_application,
    messages.RECEIPT_ACKNOWLEDGEMENT.message_type: receipt_acknowledgement,
    messages.INSURANCE_INQUIRY.message_type: insurance_inquiry,
    messages.INQUIRY_REPLY.message_type: inquiry_reply,
    messages.RISK_ARTICLE.message_type: risk_article,
    messages.CLAIM_APPLICATION.message_type: claim_application,
    messages.CLAIM_REVIEW.message_type: claim_review,
    messages.BUYER_REGISTRATION.message_type: buyer_registration,
}


@dataclass(frozen=True, slots=True)
class DocumentType:
    kind: MessageKind
    root: str
    from_element: Callable[[etree._Element], Any]
    to_xml: Callable[[Any, Envelope], bytes]

    @property
    def message_type(self) -> str:
        return self.kind.message_type

    @property
    def xsd(self) -> str:
        return self.kind.xsd

    @property
    def slug(self) -> str:
        return self.kind.slug

    @property
    def soap_operation(self) -> str:
        return self.kind.soap_operation

    @property
    def soap_action(self) -> str:
        return self.kind.soap_action

    @property
    def direction(self) -> Direction:
        return self.kind.direction


def _document_type(kind: MessageKind) -> DocumentType:
    module = MAPPINGS[kind.message_type]
    if (module.MESSAGE_TYPE, module.XSD) != (kind.message_type, kind.xsd):
        raise AssertionError(f"mapping {module.__name__} does not map {kind.message_type}")
    return DocumentType(kind, module.ROOT, module.from_element, module.to_xml)


DOCUMENT_TYPES: tuple[DocumentType, ...] = tuple(_document_type(k) for k in messages.CATALOGUE)
BY_ROOT = {t.root: t for t in DOCUMENT_TYPES}
BY_TYPE = {t.message_type: t for t in DOCUMENT_TYPES}
INBOUND_BY_SLUG = {t.slug: t for t in DOCUMENT_TYPES if t.direction is Direction.INBOUND}


def inbound_by_root(root_tag: str) -> DocumentType:
    found = BY_ROOT.get(root_tag)
    if found is None or found.direction is not Direction.INBOUND:
        raise UnknownDocumentType(f"no inbound document type has root {root_tag}", path="/")
    return found


def by_message_type(message_type: str) -> DocumentType:
    return BY_TYPE[message_type]


def render(message_type: str, document: Any, envelope: Envelope) -> bytes:
    """Serialise an outbound document and check it against its own XSD before it is queued.

    A document the hub would send invalid is a bug here, not the partner's problem: it
    fails the transaction that wanted to send it.
    """
    doc_type = BY_TYPE[message_type]
    payload = doc_type.to_xml(document, envelope)
    schemas.validate(parse_trusted(payload), doc_type.xsd)
    return payload
