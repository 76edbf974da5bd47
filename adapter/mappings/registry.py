"""Every document type the hub exchanges: one line each.

Channels route by ``root`` (SOAP body child) or ``slug`` (REST URL); the outbox and the
gateways look types up by ``message_type``. Adding a message type adds one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from lxml import etree

from adapter.domain.exchange import Envelope
from adapter.errors import UnknownDocumentType
from adapter.mappings import (
    agreement_stamp,
    data_authorization,
    schemas,
    signed_agreement,
    termination_request,
    termination_result,
)
from adapter.mappings.xml_safety import parse_trusted


@dataclass(frozen=True, slots=True)
class DocumentType:
    message_type: str
    root: str
    xsd: str
    slug: str
    soap_operation: str
    direction: Literal["inbound", "outbound"]
    from_element: Callable[[etree._Element], Any]
    to_xml: Callable[[Any, Envelope], bytes]

    @property
    def soap_action(self) -> str:
        side = "hub" if self.direction == "inbound" else "insurer"
        return f"urn:swcredit:{side}:{self.soap_operation}"


DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType(agreement_stamp.MESSAGE_TYPE, agreement_stamp.ROOT, agreement_stamp.XSD,
                 "agreement-stamp", "ReceiveAgreementStamp", "inbound",
                 agreement_stamp.from_element, agreement_stamp.to_xml),
    DocumentType(termination_result.MESSAGE_TYPE, termination_result.ROOT, termination_result.XSD,
                 "termination-result", "ReceiveTerminationResult", "inbound",
                 termination_result.from_element, termination_result.to_xml),
    DocumentType(signed_agreement.MESSAGE_TYPE, signed_agreement.ROOT, signed_agreement.XSD,
                 "signed-agreement", "SubmitSignedAgreement", "outbound",
                 signed_agreement.from_element, signed_agreement.to_xml),
    DocumentType(termination_request.MESSAGE_TYPE, termination_request.ROOT, termination_request.XSD,
                 "termination-request", "SubmitTerminationRequest", "outbound",
                 termination_request.from_element, termination_request.to_xml),
    DocumentType(data_authorization.MESSAGE_TYPE, data_authorization.ROOT, data_authorization.XSD,
                 "data-authorization", "SubmitDataAuthorization", "outbound",
                 data_authorization.from_element, data_authorization.to_xml),
)

BY_ROOT = {t.root: t for t in DOCUMENT_TYPES}
BY_TYPE = {t.message_type: t for t in DOCUMENT_TYPES}
INBOUND_BY_SLUG = {t.slug: t for t in DOCUMENT_TYPES if t.direction == "inbound"}


def inbound_by_root(root_tag: str) -> DocumentType:
    found = BY_ROOT.get(root_tag)
    if found is None or found.direction != "inbound":
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
