"""The Acknowledgement document (xsd/acknowledgement.xsd) to and from :class:`Acknowledgement`."""

from __future__ import annotations

from lxml import etree

from adapter.domain.exchange import AckError, Acknowledgement, AckStatus
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_datetime,
    text,
    write_datetime,
)
from adapter.mappings.envelope import serialize

ACK_NS = "urn:swcredit:acknowledgement:1"
ROOT = f"{{{ACK_NS}}}Acknowledgement"
XSD = "acknowledgement.xsd"
_ack = Builder(ACK_NS)


def to_element(ack: Acknowledgement) -> etree._Element:
    root = etree.Element(ROOT, nsmap={None: ACK_NS})
    for name, value in (
        ("AckId", ack.ack_id),
        ("Status", ack.status.value),
        ("RefMessageId", ack.ref_message_id),
        ("RefMessageType", ack.ref_message_type),
        ("RefBusinessSerial", ack.ref_business_serial),
        ("Sender", ack.sender),
        ("Receiver", ack.receiver),
        ("ReceivedAt", write_datetime(ack.received_at)),
        ("OriginalAckId", ack.original_ack_id),
    ):
        _ack.add(root, name, value)
    for error in ack.errors:
        node = _ack.group(root, "Error")
        _ack.add(node, "Code", error.code)
        _ack.add(node, "Path", error.path)
        _ack.add(node, "Reason", error.reason)
    return root


def to_xml(ack: Acknowledgement) -> bytes:
    return serialize(to_element(ack))


def from_element(root: etree._Element) -> Acknowledgement:
    found = children(root)
    errors = tuple(
        AckError(code=text(e, "Code"), reason=text(e, "Reason"), path=optional_text(e, "Path"))
        for e in (children(node) for node in root if etree.QName(node).localname == "Error")
    )
    return Acknowledgement(
        ack_id=text(found, "AckId"),
        status=AckStatus(text(found, "Status")),
        sender=text(found, "Sender"),
        received_at=read_datetime(text(found, "ReceivedAt")),
        ref_message_id=optional_text(found, "RefMessageId"),
        ref_message_type=optional_text(found, "RefMessageType"),
        ref_business_serial=optional_text(found, "RefBusinessSerial"),
        receiver=optional_text(found, "Receiver"),
        original_ack_id=optional_text(found, "OriginalAckId"),
        errors=errors,
    )
