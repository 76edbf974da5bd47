"""X-OUT-2 解约申请 (xsd/termination_request.xsd) to and from :class:`TerminationRequest`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.agreement import TerminationRequest
from adapter.domain.exchange import Envelope
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_datetime,
    text,
    write_datetime,
)
from adapter.mappings.enterprise import read_enterprise, write_enterprise
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:termination-request:1"
ROOT = f"{{{NS}}}TerminationRequest"
MESSAGE_TYPE = messages.TERMINATION_REQUEST.message_type
XSD = messages.TERMINATION_REQUEST.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> TerminationRequest:
    found = children(root[1])
    return TerminationRequest(
        agreement_no=text(found, "AgreementNo"),
        enterprise=read_enterprise(found["Enterprise"]),
        requested_by=text(found, "RequestedBy"),
        requested_at=read_datetime(text(found, "RequestedAt")),
        reason=optional_text(found, "Reason"),
    )


def to_xml(request: TerminationRequest, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "TerminationRequest", envelope)
    _b.add(body, "AgreementNo", request.agreement_no)
    write_enterprise(_b.group(body, "Enterprise"), request.enterprise)
    _b.add(body, "RequestedBy", request.requested_by)
    _b.add(body, "RequestedAt", write_datetime(request.requested_at))
    _b.add(body, "Reason", request.reason)
    return serialize(root)
