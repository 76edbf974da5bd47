"""X-OUT-5 收悉确认 (xsd/receipt_acknowledgement.xsd) to and from :class:`ReceiptAcknowledgement`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.exchange import Envelope
from adapter.domain.insurance import ReceiptAcknowledgement
from adapter.mappings.elements import Builder, children, read_datetime, text, write_datetime
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:receipt-acknowledgement:1"
ROOT = f"{{{NS}}}ReceiptAcknowledgement"
MESSAGE_TYPE = messages.RECEIPT_ACKNOWLEDGEMENT.message_type
XSD = messages.RECEIPT_ACKNOWLEDGEMENT.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> ReceiptAcknowledgement:
    found = children(root[1])
    return ReceiptAcknowledgement(
        policy_no=text(found, "PolicyNo"),
        offer_no=text(found, "OfferNo"),
        application_no=text(found, "ApplicationNo"),
        uscc=text(found, "Uscc"),
        acknowledged_by=text(found, "AcknowledgedBy"),
        acknowledged_at=read_datetime(text(found, "AcknowledgedAt")),
    )


def to_xml(acknowledgement: ReceiptAcknowledgement, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "ReceiptAcknowledgement", envelope)
    _b.add(body, "PolicyNo", acknowledgement.policy_no)
    _b.add(body, "OfferNo", acknowledgement.offer_no)
    _b.add(body, "ApplicationNo", acknowledgement.application_no)
    _b.add(body, "Uscc", acknowledgement.uscc)
    _b.add(body, "AcknowledgedBy", acknowledgement.acknowledged_by)
    _b.add(body, "AcknowledgedAt", write_datetime(acknowledgement.acknowledged_at))
    return serialize(root)
